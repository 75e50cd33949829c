"""How a playbook's own templates are read: block tags on their own lines leave neither their
line nor their indentation (Jinja's ``trim_blocks`` and ``lstrip_blocks``), a field filtered
by anything but ``default`` stays required, and a bad new id is refused with the naming rule."""

from __future__ import annotations

import re

import pytest

from playbook.errors import InvalidDefinition
from playbook.templates import TemplateSet

LIST = "Actions:\n  {% for a in actions %}\n  - {{ a }}\n  {% endfor %}\nNext update soon.\n"


def test_indented_block_tags_on_their_own_lines_leave_no_trace() -> None:
    text = TemplateSet({"actions": LIST}).render("actions", actions=["rollback", "scale out"])
    assert text == "Actions:\n  - rollback\n  - scale out\nNext update soon.\n"


def test_a_field_filtered_by_another_filter_is_still_required() -> None:
    templates = TemplateSet({"shout": "{{ impact | upper }} {{ eta | default('soon') }}\n"})
    assert templates.required_fields("shout") == {"impact"}
    assert templates.fields("shout") == {"impact", "eta"}


def test_a_new_template_id_must_follow_the_naming_rule() -> None:
    message = (
        "template id 'status page!' is not valid: use letters, digits, '_' and '-', "
        "with '.html' at the end for an HTML template"
    )
    with pytest.raises(InvalidDefinition, match=f"^{re.escape(message)}$"):
        TemplateSet({"status page!": "x"})


def test_a_new_set_reads_the_fields_of_each_shipped_template() -> None:
    # playbook/templates/resolution.txt.j2 reads these six, none through default().
    expected = {"service_name", "feature", "resolved_at", "summary", "duration_minutes", "impact"}
    assert TemplateSet().required_fields("resolution") == expected
    assert TemplateSet({"note": "x\n"}).required_fields("resolution") == expected
