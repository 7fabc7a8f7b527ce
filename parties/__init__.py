"""Organisations (enterprises, providers, financiers, guarantors, authorities): their USCC, city and
bank details, and the actor who acts for one."""
