"""Who a customer-facing action reaches: the customer, or an order's customer."""

from shopctl.engine.contacts import contacts_of


def test_customers_reach_themselves_and_orders_their_customer(
    acting_project, counting_shop
) -> None:
    counting_shop.add("order", id="o1", customer_id="c1", status="paid")
    counting_shop.add("order", id="o2", customer_id="nobody", status="paid")
    project = acting_project()
    registry = project.registry
    with project.engine.connect() as conn:
        people = contacts_of(conn, registry, registry.entity_type("customer"), "shop", ["c1", "c2"])
        orders = contacts_of(conn, registry, registry.entity_type("order"), "shop", ["o1", "o2"])
        groups = contacts_of(conn, registry, registry.entity_type("ad_group"), "shop", ["ag1"])
    assert (people["c1"].customer_id, people["c1"].fields["email"]) == ("c1", "li@example.com")
    assert people["c1"].consents and not people["c2"].consents
    assert list(orders) == ["o1"] and orders["o1"].customer_id == "c1"
    assert groups == {}
