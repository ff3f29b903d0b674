"""The `vigil` command: above the core and the actors, it finds actors by the role they declare.

    main.py       check, up, status, down; the parser every other module adds its commands to
    trading.py    orders, positions, sessions, order new|cancel|replace
    reference.py  halt, resume, halts, corporate-actions
    feeds.py      feeds, quarantine, feed switch
    tables.py     finding actors by role, printing tables
"""
