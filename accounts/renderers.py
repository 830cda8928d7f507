"""The project's form renderer."""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

# Django's widget templates that are nothing but its input.html (which includes attrs.html).
PLAIN_INPUTS = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in ("text", "number", "email", "url", "password", "hidden", "search", "tel", "date", "datetime",
                 "time", "color")
)


class FormRenderer(DjangoTemplates):
    """Django's renderer, except that a plain ``<input>`` is written here, to the very
    markup of Django's templates, instead of through three nested templates. The
    results grid draws five inputs per metric (the figure, the note, what each showed
    when the page was opened, the version): through the templates they took about a
    third of the page. tests/test_forms_renderer.py compares the two outputs."""

    def render(self, template_name, context, request=None):
        if template_name in PLAIN_INPUTS:
            return plain_input(context["widget"])
        return super().render(template_name, context, request)


def plain_input(widget: dict) -> str:
    """input.html with attrs.html, written out (the renderer strips the result)."""
    value = "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
    attrs = "".join(
        f" {conditional_escape(name)}" if attr is True else f' {conditional_escape(name)}="{conditional_escape(attr)}"'
        for name, attr in widget["attrs"].items() if attr is not False
    )
    return mark_safe(
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{attrs}>"
    )
