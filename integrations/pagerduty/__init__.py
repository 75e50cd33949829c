"""PagerDuty: REST API v2 bodies into playbook sections, and playbooks back out."""

from integrations.pagerduty.account import KINDS, Account, account_from_bodies
from integrations.pagerduty.mapping import account_sections

__all__ = ["KINDS", "Account", "account_from_bodies", "account_sections"]
