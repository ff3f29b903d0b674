"""The pager: pages on-call through PagerDuty's Events API v2 for every alert of the tree (vocabulary.alerts),
from a process of its own, never from one on the order path."""
