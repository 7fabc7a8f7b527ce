"""Wire the packages together at start-up: the one place that knows every kind of claim and every
piece of work that falls due. ``create_app``, the CLI and the test fixtures all call ``bootstrap()``.

Lower packages never import higher ones: ``claims`` knows no kind of claim and ``schemes`` knows
neither claims nor vouchers. They offer registries, and this function fills them.
"""
from __future__ import annotations


def bootstrap() -> None:
    """Register the claim kinds, the work that falls due with time, what a scheme does with
    money freed and what a claim kind counts towards a cluster pilot's performance. Idempotent."""
    from claims import kinds
    from claims import service as claims
    from financing import rewards
    from clusters import assessment, performance
    from financing import pilot_figures as financing_figures
    from ledger import naming
    from reports import queries as reports
    from schemes import budget
    from schemes import service as schemes
    from talent import claiming as talent_claims
    from talent import pilot_figures as talent_figures
    from vouchers import expiry, redemption, waitlist
    from vouchers import performance as voucher_figures
    from yunquan import users

    kinds.register(redemption.VoucherRedemption())
    kinds.register(rewards.FinancingReward())
    kinds.register(talent_claims.TalentClaim())
    # Vouchers expire before returned claims lapse; the waitlist is then promoted once (settle_due).
    schemes.on_due(expiry.due_work, due=expiry.is_due)
    schemes.on_due(claims.due_work, due=claims.is_due)
    schemes.on_money_freed("cloud", waitlist.promote)
    performance.on_figures(voucher_figures.pilot_figures)
    assessment.on_held_figures(talent_figures.assessment_figures)  # a pilot's yearly assessment
    assessment.on_held_figures(financing_figures.assessment_figures)
    reports.on_user_names(users.names)  # a batch report names its maker and checker
    naming.register(budget.chinese_account_names)  # 梅州 2026 上云券 可用额度
