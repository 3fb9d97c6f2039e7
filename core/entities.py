"""The canonical entity types (SPEC §5): a rule on `ad_group` works on any platform."""

from __future__ import annotations

from shopctl.registry import DerivedMetric, EntityType, Field, Metric, Relation
from shopctl.types import Type

N, INT, T, B, TS, TAGS = (
    Type.NUMBER,
    Type.INTEGER,
    Type.TEXT,
    Type.BOOLEAN,
    Type.TIMESTAMP,
    Type.TEXT_LIST,
)

LABELS = Field("labels", TAGS, "Labels shopctl's own tag() action put on the entity")

PRODUCT = EntityType(
    "product",
    help="An item for sale (商品).",
    fields=(
        Field("id", T, "The platform's product id"),
        Field("title", T, "Listing title (标题)"),
        Field("status", T, "active, paused, draft or archived"),
        Field("price", N, "Selling price"),
        Field("cost", N, "Unit cost"),
        Field("stock", INT, "Units in stock (库存)"),
        Field("category", T, "Category (类目)"),
        Field("tags", TAGS, "The platform's tags"),
        Field("listed_at", TS, "When it was first listed"),
        LABELS,
    ),
    metrics=(
        Metric("views", "Page views (浏览量)"),
        Metric("visitors", "Unique visitors (访客数)"),
        Metric("units_sold", "Units sold (销量)"),
        Metric("revenue", "Revenue (销售额)"),
        Metric("add_to_cart", "Add-to-cart count (加购数)"),
    ),
    derived=(
        DerivedMetric("sales", "sum(units_sold, w)", "Units sold over the window"),
        DerivedMetric("revenue", "sum(revenue, w)", "Revenue over the window"),
        DerivedMetric(
            "conversion",
            "sum(units_sold, w) / sum(visitors, w)",
            "Units sold per visitor over the window (转化率)",
        ),
    ),
)

CUSTOMER = EntityType(
    "customer",
    help="A person who bought or signed up (客户).",
    contact_via="self",
    fields=(
        Field("id", T, "The platform's customer id"),
        Field("name", T, "Name"),
        Field("email", T, "Email address"),
        Field("phone", T, "Mobile number"),
        Field("region", T, "Province or region (地区)"),
        Field("tier", T, "Loyalty tier (会员等级)"),
        Field("points", INT, "Loyalty points balance (积分)"),
        Field("points_expire_at", TS, "When the points balance expires"),
        Field("orders_count", INT, "Number of orders"),
        Field("total_spent", N, "Lifetime spend"),
        Field("first_order_at", TS, "First order time"),
        Field("last_order_at", TS, "Most recent order time"),
        Field("accepts_marketing", B, "Consented to marketing messages"),
        Field("tags", TAGS, "The platform's tags"),
        LABELS,
    ),
)

ORDER = EntityType(
    "order",
    help="A customer's order (订单).",
    contact_via="customer",
    fields=(
        Field("id", T, "The platform's order id"),
        Field("customer_id", T, "Who placed it"),
        Field("status", T, "pending, paid, shipped, delivered, cancelled or refunded"),
        Field("total", N, "Order total"),
        Field("region", T, "Shipping province or region"),
        Field("created_at", TS, "When it was placed"),
        Field("paid_at", TS, "When it was paid"),
        Field("shipped_at", TS, "When it was shipped"),
        Field("delivered_at", TS, "When it was delivered"),
        LABELS,
    ),
    relations=(Relation("customer", "customer_id", "customer"),),
)

AD_GROUP = EntityType(
    "ad_group",
    help="A group of ads sharing a bid and budget (推广单元).",
    fields=(
        Field("id", T, "The platform's ad group id"),
        Field("campaign", T, "Campaign name (推广计划)"),
        Field("name", T, "Ad group name"),
        Field("status", T, "active or paused"),
        Field("bid", N, "Bid per click (出价)"),
        Field("daily_budget", N, "Daily budget (日预算)"),
        LABELS,
    ),
    metrics=(
        Metric("impressions", "Impressions (展现量)"),
        Metric("clicks", "Clicks (点击量)"),
        Metric("spend", "Spend (花费)"),
        Metric("revenue", "Attributed revenue (成交金额)"),
        Metric("conversions", "Attributed orders (成交笔数)"),
    ),
    derived=(
        DerivedMetric("roi", "sum(revenue, w) / sum(spend, w)", "Revenue per spend (投产比)"),
        DerivedMetric("ctr", "sum(clicks, w) / sum(impressions, w)", "Click-through rate"),
        DerivedMetric("cvr", "sum(conversions, w) / sum(clicks, w)", "Conversion rate"),
        DerivedMetric("cpc", "sum(spend, w) / sum(clicks, w)", "Cost per click"),
        DerivedMetric("spend", "sum(spend, w)", "Spend over the window"),
        DerivedMetric("revenue", "sum(revenue, w)", "Revenue over the window"),
    ),
)

REVIEW = EntityType(
    "review",
    help="A customer's review of a product (评价).",
    contact_via="customer",
    fields=(
        Field("id", T, "The platform's review id"),
        Field("product_id", T, "The product reviewed"),
        Field("customer_id", T, "Who wrote it"),
        Field("rating", INT, "Stars, 1 to 5"),
        Field("text", T, "What the customer wrote"),
        Field("created_at", TS, "When it was written"),
        Field("replied_at", TS, "When the shop replied (null if not yet)"),
        LABELS,
    ),
    relations=(
        Relation("customer", "customer_id", "customer"),
        Relation("product", "product_id", "product"),
    ),
)

CANONICAL = (PRODUCT, CUSTOMER, ORDER, AD_GROUP, REVIEW)
