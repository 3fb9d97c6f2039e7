"""The Lark grammar of the rule language (shopctl.lark), shipped as package data."""
