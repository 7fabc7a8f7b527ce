"""Talent vouchers (人才上云服务券): training programmes, trainees and their completion, and the
talent claim, one kind of claim."""
