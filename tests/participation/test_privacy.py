"""Citizens' words shown beyond those who handle them: phones (mobile and landline), e-mails, ID and card
numbers masked (gongkai.participation.privacy.masked_text)."""

from __future__ import annotations

import pytest

from gongkai.participation.privacy import masked_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("请致电13912345678与我联系。", "请致电139****5678与我联系。"),
        ("电话0354-3012345,找王主任", "电话0354-***2345,找王主任"),
        ("座机(010)12345678", "座机(010)****5678"),
        ("座机 0351 7654321 上午", "座机 0351 ***4321 上午"),
        ("打02087654321也行", "打020****4321也行"),
        ("（010）12345678", "（010）****5678"),
        ("０１０－１２３４５６７８", "０１０－****５６７８"),
        ("0755 8888 6666", "0755 **** 6666"),
        ("021-6123 4567", "021-**** 4567"),
    ],
)
def test_phones_are_masked_whatever_their_kind(text, masked):
    assert masked_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2026年01月15日开放",
        "晋文旅发〔2026〕12号",
        "门票价格0.5元,编号0123",
        "建议第三条增加老年人优惠的内容。",
        "订单号 20260115123456",
        "订单号 020230101234",
        "快递单号0123456789",
        "SN0751234567X",
        "编号 001 12345678",
        "〔2023〕0101234567号",
        "金额 0.12345678 万元",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert masked_text(text) == text
