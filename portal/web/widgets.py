"""A select that renders its options directly: Django's per-option templates cost ~0.1 ms each,
which is 50 ms for a filter listing 500 resellers."""

from __future__ import annotations

from functools import lru_cache
from html import escape

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .rows import escaped


class FastSelect(forms.Select):
    """Choices kept as given: Django normalizes (and copies) them on every assignment, about a
    millisecond for 500 resellers."""

    @property
    def choices(self):
        return self._fast_choices

    @choices.setter
    def choices(self, value):
        self._fast_choices = value if isinstance(value, list) else list(value)

    def render(self, name, value, attrs=None, renderer=None):
        # html.escape per option, not format_html (~30 µs each): 500 options in about 1 ms.
        selected = "" if value is None else str(value)
        final = {"name": name, **self.build_attrs(self.attrs, attrs or {})}
        options = option_tags(self.choices, {selected})
        if options is None:  # grouped choices: Django's own rendering
            return super().render(name, value, attrs, renderer)
        return mark_safe(f"<select{_attrs(final)}>{options}</select>")  # noqa: S308 - escaped


def fast_selects(form: forms.Form) -> forms.Form:
    """Swap every single-choice select of a form for FastSelect (same choices, same attrs)."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs)
            if isinstance(field, forms.ModelChoiceField) and hasattr(field.queryset.model, "name"):
                # Two columns instead of one model instance per option.
                empty = [("", field.empty_label)] if field.empty_label is not None else []
                fast.choices = empty + list(field.queryset.values_list("pk", "name"))
            else:
                fast.choices = widget.choices
            fast.is_required = widget.is_required
            field.widget = fast
    return form


def option_tags(choices, values: set[str]) -> str | None:
    """Flat options, each key and label through html.escape; None for grouped choices.

    The markup of a choice list is kept per process (keyed by the choices themselves, so a
    renamed or new reseller is a new key, never a stale list): 500 resellers are escaped once,
    not on every page; the selected values are then marked in the cached text."""
    try:
        options = _plain_options(tuple(choices))
    except TypeError:  # an unhashable choice value: build it this once
        options = _plain_options.__wrapped__(tuple(choices))
    if options is None:
        return None
    for value in values:
        option = f'<option value="{escape(value)}">'
        options = options.replace(option, f"{option[:-1]} selected>", 1)
    return options


@lru_cache(maxsize=128)
def _plain_options(choices: tuple) -> str | None:
    parts = []
    for key, label in choices:
        if isinstance(label, (list, tuple)):
            return None
        key = "" if key is None else key if type(key) is int else escape(str(key))
        parts.append(f'<option value="{key}">{escape(str(label))}</option>')
    return "".join(parts)


def _attrs(attrs: dict) -> str:
    """``flatatt`` (valued attributes, then boolean ones) with one escape per value instead of a
    ``format_html_join``."""
    valued, flags = [], []
    for key, value in attrs.items():
        if isinstance(value, bool):
            if value:
                flags.append(f" {key}")
        elif value is not None:
            valued.append(f' {key}="{escaped(value)}"')
    return "".join(valued + flags)


def fast_widget(bound: forms.BoundField) -> str:
    """A filter field's control as ``BoundField.as_widget`` renders it (same attributes: id,
    required, aria-invalid), without a template per widget and per option (~1 ms a field).
    Selects and plain inputs only; anything else goes through Django's own rendering."""
    widget = bound.field.widget
    attrs = bound.build_widget_attrs({}, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    value = bound.value()
    if isinstance(widget, forms.Select):
        shown = widget.format_value(value)  # a list; NullBooleanSelect gives one string
        values = {str(v) for v in ([shown] if isinstance(shown, str) else shown)}
        options = option_tags(widget.choices, values)
        if options is not None:
            final = {"name": bound.html_name, **widget.build_attrs(widget.attrs, attrs)}
            if widget.allow_multiple_selected:
                final["multiple"] = True
            # Every option key and label went through html.escape in _options.
            return mark_safe(f"<select{_attrs(final)}>{options}</select>")  # noqa: S308
    elif isinstance(widget, forms.widgets.Input) and widget.input_type not in (
        "checkbox",
        "radio",
        "file",
    ):
        final = {"type": widget.input_type, "name": bound.html_name}
        shown = widget.format_value(value)
        if shown is not None:
            final["value"] = shown
        final.update(widget.build_attrs(widget.attrs, attrs))
        return mark_safe(f"<input{_attrs(final)}>")  # noqa: S308 - escaped in _attrs
    return str(bound)


def filter_bar(form: forms.Form, *, clear_url: str) -> str:
    """The filter form of a list page in one pass of Python (see fast_widget)."""
    fields = []
    for bound in form:
        errors = "".join(format_html("<li>{}</li>", e) for e in bound.errors)
        fields.append(
            format_html(
                '<div class="field"><label for="{}">{}</label>\n{}{}</div>',
                bound.id_for_label,
                bound.label,
                mark_safe(fast_widget(bound)),  # noqa: S308 - built with format_html/escape
                format_html('<ul class="errorlist" role="alert">{}</ul>', mark_safe(errors))  # noqa: S308
                if errors
                else "",
            )
        )
    return format_html(
        '<form method="get" class="filters" role="search" aria-label="Filter">\n{}\n'
        '<div class="field"><button type="submit">Apply</button> '
        '<a href="{}" class="button secondary">Clear</a></div>\n</form>',
        mark_safe("\n".join(fields)),  # noqa: S308 - each part built by format_html
        clear_url,
    )
