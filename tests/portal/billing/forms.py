"""What staff post to create or edit a price (the admin and the price-book page share the form)."""


def price_form(product, **values):
    return {
        "product": product.pk,
        "addon": "",
        "basis": "per_seat_month",
        "metric": "",
        "unit_cost": "1.10",
        "list_price": "1.50",
        "currency": "EUR",
        "effective_from": "2026-01-01",
        "effective_to": "",
        **values,
    }
