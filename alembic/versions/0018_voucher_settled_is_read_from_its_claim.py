"""vouchers: ``settled`` is no longer stored. A redeemed voucher whose claim is paid reads ``settled``
(``vouchers.applications.effective_status`` and ``status_is``): the claim's ``paid`` says it once,
and a bank statement of 100,000 lines no longer writes 100,000 vouchers to say it again. Both
statuses count the voucher's final amount alike (``vouchers.usage.counted``), so the usage rows
need no change.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 18:25:00
"""
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE voucher SET status = 'redeemed' WHERE status = 'settled'")


def downgrade():
    op.execute("UPDATE voucher SET status = 'settled' WHERE status = 'redeemed' AND EXISTS ("
               "SELECT 1 FROM voucher_claim vc JOIN claim c ON c.id = vc.claim_id "
               "WHERE vc.voucher_id = voucher.id AND c.status = 'paid')")
