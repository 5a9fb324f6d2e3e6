"""The list selects render what Django's widgets render: escaped, with the user's choice
selected, and a form's next render never carries the previous request's selection."""

from __future__ import annotations

from django import forms

from portal.web.widgets import ListSelect, list_selects


class PickForm(forms.Form):
    reseller = forms.ChoiceField(
        choices=[("", "Any"), (1, "Acme & Sons"), (2, '<b>"Bold"</b>'), (12, "Twelve")],
        required=False,
    )


def rendered(data: dict) -> str:
    form = list_selects(PickForm(data))
    assert type(form.fields["reseller"].widget) is ListSelect
    return str(form["reseller"])


def test_the_chosen_option_alone_is_selected_and_labels_are_escaped():
    html = rendered({"reseller": "2"})
    assert '<option value="2" selected>&lt;b&gt;&quot;Bold&quot;&lt;/b&gt;</option>' in html
    assert '<option value="1">Acme &amp; Sons</option>' in html
    assert html.count(" selected") == 1


def test_a_next_render_does_not_keep_the_previous_selection():
    assert '<option value="1" selected>' in rendered({"reseller": "1"})
    again = rendered({"reseller": "12"})
    assert '<option value="12" selected>' in again
    assert '<option value="1">' in again and again.count(" selected") == 1
    assert '<option value="" selected>' in rendered({})


def test_list_select_renders_like_django_select():
    choices = [("", "Any"), ("a", "A & B"), ("b", "B")]
    listed, django = ListSelect(attrs={"id": "x"}), forms.Select(attrs={"id": "x"})
    listed.choices = django.choices = choices
    normalize = lambda s: "".join(s.split())  # noqa: E731 - whitespace differs only
    assert normalize(listed.render("f", "a")) == normalize(str(django.render("f", "a")))
