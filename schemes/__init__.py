"""Schemes (上云上平台, 融资上云, 人才上云 service vouchers): budgets, windows, versioned settings,
eligibility, the one module that moves a scheme's money (``budget``), and the lock every writer of a
scheme takes, under which the work that fell due with time is done first."""
