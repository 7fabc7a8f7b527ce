"""Claims of every kind (a voucher's redemption, a financing reward, a talent voucher): evidence,
review, rework, publicity (公示), objection and lapse. Kinds register what happens to their own
objects (``kinds``); this package imports none of them."""
