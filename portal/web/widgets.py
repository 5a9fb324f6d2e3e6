"""Select widgets for filters that list hundreds of choices (500 resellers on a large estate).

Django's ``Select`` renders a template per option (~0.1 ms each: 50 ms for 500 resellers) and
builds a dict of attributes per option first; ``ListSelect`` hands its template (``templates/
web/widgets/select.html``) the options, which ``{% option_tags %}`` draws from markup kept per
choice list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Options:
    """A select's flat choices as ``(value, label)`` strings, and the values selected; the
    ``{% option_tags %}`` tag draws them."""

    choices: tuple[tuple[str, str], ...]
    selected: frozenset[str]


def options(choices: Iterable[tuple[object, object]], selected) -> Options:
    """The options of ``choices``; ``selected``: one value, several, or None."""
    if selected is None:
        values: frozenset[str] = frozenset()
    elif isinstance(selected, (list, tuple, set, frozenset)):
        values = frozenset("" if v is None else str(v) for v in selected)
    else:
        values = frozenset({str(selected)})
    return Options(
        tuple(("" if value is None else str(value), str(label)) for value, label in choices),
        values,
    )


class ListSelect(forms.Select):
    """A single select drawn by one template loop; grouped choices fall back to Django's own.

    Choices are kept as given: Django normalizes (and copies) them on every assignment, about a
    millisecond for 500 resellers."""

    template_name = "web/widgets/select.html"

    @property
    def choices(self):
        return self._listed_choices

    @choices.setter
    def choices(self, value):
        self._listed_choices = value if isinstance(value, list) else list(value)

    def grouped(self) -> bool:
        return any(isinstance(label, (list, tuple)) for _, label in self.choices)

    def get_context(self, name, value, attrs):
        if self.grouped():
            return super().get_context(name, value, attrs)
        context = forms.Widget.get_context(self, name, value, attrs)
        context["widget"]["options"] = options(self.choices, context["widget"]["value"])
        return context

    def _render(self, template_name, context, renderer=None):
        if self.grouped():
            return super()._render(forms.Select.template_name, context, renderer)
        # The project's templates (the form renderer sees only Django's own).
        return render_to_string(template_name, context)


def list_selects(form: forms.Form) -> forms.Form:
    """Swap every single select of a form for ListSelect (same choices, same attributes); a
    model choice reads two columns instead of a model instance per option."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            listed = ListSelect(attrs=widget.attrs)
            if (
                isinstance(field, forms.ModelChoiceField)
                and field.queryset is not None
                and hasattr(field.queryset.model, "name")
            ):
                empty = [("", field.empty_label)] if field.empty_label is not None else []
                listed.choices = empty + list(field.queryset.values_list("pk", "name"))
            else:
                listed.choices = widget.choices
            listed.is_required = widget.is_required
            field.widget = listed
    return form
