"""Personal-data detectors: what is a real ID, mobile, bank card or e-mail, and what only looks like one."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.review.detectors import (
    DETECTOR_SEVERITY,
    find_personal_data,
    fold,
    id_check_character,
    is_valid_bank_card,
    is_valid_resident_id,
    luhn_valid,
    mask_value,
)

# GB 11643-1999's own example number, and its neighbour with a wrong check character.
STANDARD_ID = "11010519491231002X"
# A real-format Shanxi (14) number, Jinzhong (0702), born 1985-06-15.
JINZHONG_ID = "140702198506150048"
VISA = "4111111111111111"
MASTERCARD = "5555555555554444"
JCB = "3530111333300000"
UNIONPAY_16 = "6200000000000005"
UNIONPAY_19 = "6205500000000000004"

# Written out from the specification, not from the module: 11–15, 21–23, 31–37, 41–46, 50–54, 61–65,
# 71, 81, 82, 83, 91.
PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
PROVINCES |= {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91}


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 as the standard defines it: weights 2^(17-i) mod 11, check = (12 - S mod 11) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make_id(province: int, born: datetime.date, serial: int = 123) -> str:
    first17 = f"{province:02d}0102{born:%Y%m%d}{serial:03d}"
    return first17 + check_character(first17)


def wrong_check(number: str) -> str:
    right = number[-1]
    return number[:-1] + ("0" if right != "0" else "1")


def found(text: str, **kwargs) -> list[tuple[str, str]]:
    return [(d.detector, text[d.start : d.end]) for d in find_personal_data(text, **kwargs)]


def detectors(text: str) -> list[str]:
    return [d.detector for d in find_personal_data(text)]


# --- resident ID numbers -------------------------------------------------------------------------------


def test_check_character_agrees_with_the_standard_formula_and_example():
    assert id_check_character("11010519491231002") == "X"
    assert check_character("11010519491231002") == "X"
    for first17 in ("14070219850615003", "44030019900101123", "62010219700101999", "91000020230101000"):
        assert id_check_character(first17) == check_character(first17)


def test_a_valid_18_digit_id_is_found_with_its_offsets():
    text = f"申请人身份证号{STANDARD_ID},住址略。"
    assert found(text) == [("id_card", STANDARD_ID)]
    assert found(f"号码{JINZHONG_ID}。") == [("id_card", JINZHONG_ID)]


def test_the_check_character_x_may_be_lower_case():
    assert found(f"证号{STANDARD_ID.lower()}") == [("id_card", STANDARD_ID.lower())]


def test_a_wrong_check_character_is_not_an_id():
    assert "id_card" not in detectors(f"证号{wrong_check(STANDARD_ID)}")
    assert "id_card" not in detectors(f"证号{wrong_check(JINZHONG_ID)}")
    # The contract's masking example has a wrong check digit (the right one is X): not an ID.
    assert "id_card" not in detectors("证号110105194912310025")


@pytest.mark.parametrize(
    "born",
    ["19490230", "19491301", "19490001", "19491200", "18991231", "20991231"],
    ids=["feb-30", "month-13", "month-0", "day-0", "before-1900", "future"],
)
def test_an_impossible_birth_date_is_not_an_id(born):
    first17 = f"110105{born}002"
    number = first17 + check_character(first17)
    assert not is_valid_resident_id(number)
    assert "id_card" not in detectors(f"证号{number}")


def test_birth_date_limits_are_inclusive():
    today = datetime.date(2026, 11, 26)
    assert is_valid_resident_id(make_id(14, datetime.date(1900, 1, 1)), today=today)
    assert is_valid_resident_id(make_id(14, today), today=today)
    assert not is_valid_resident_id(make_id(14, today + datetime.timedelta(days=1)), today=today)
    assert is_valid_resident_id(make_id(14, datetime.date(2000, 2, 29)), today=today)


def test_a_birth_date_after_today_is_not_found():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert "id_card" not in detectors(f"证号{make_id(14, tomorrow)}")


@pytest.mark.parametrize("province", range(10, 100))
def test_only_real_province_codes_make_an_id(province):
    number = make_id(province, datetime.date(1985, 6, 15))
    assert is_valid_resident_id(number) == (province in PROVINCES)


def test_old_15_digit_ids():
    assert found("旧证号140702850615003。") == [("id_card", "140702850615003")]  # born 1985-06-15
    assert not is_valid_resident_id("140702850230003")  # 1985-02-30
    assert not is_valid_resident_id("990702850615003")  # no province 99
    assert "id_card" not in detectors("旧证号140702851315003")


def test_an_id_inside_a_longer_run_of_digits_is_not_found():
    assert detectors(f"流水号1{STANDARD_ID[:-1]}0") == []
    assert "id_card" not in detectors(f"编号12{JINZHONG_ID}")  # 20 digits
    assert "id_card" not in detectors(f"编号{JINZHONG_ID}99")
    assert "id_card" not in detectors("编号" + "1" + "140702850615003")  # 16 digits around a 15-digit ID


def test_an_id_ending_in_x_ends_there():
    text = f"{STANDARD_ID}13812345678"  # two cells of a table run together
    assert found(text) == [("id_card", STANDARD_ID), ("mobile", "13812345678")]
    assert found(f"+{STANDARD_ID}x") == [("id_card", STANDARD_ID)]


def test_an_id_next_to_letters_or_punctuation_is_found():
    assert found(f"ID:{JINZHONG_ID}.") == [("id_card", JINZHONG_ID)]
    assert found(f"({JINZHONG_ID})") == [("id_card", JINZHONG_ID)]


def test_full_width_digits_are_read():
    wide = JINZHONG_ID.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert found(f"证号{wide}。") == [("id_card", wide)]
    assert fold(wide) == JINZHONG_ID


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    province=st.sampled_from(sorted(PROVINCES)),
    born=st.dates(datetime.date(1900, 1, 1), datetime.date(2020, 12, 31)),
    serial=st.integers(0, 999),
    before=st.text(alphabet="申请人号码:, 。abcXY", max_size=8),
    after=st.text(alphabet="申请人号码:, 。abcY", max_size=8),
)
def test_generated_ids_are_found_and_wrong_check_digits_are_not(province, born, serial, before, after):
    number = make_id(province, born, serial)
    text = before + number + after
    ids = [d for d in find_personal_data(text) if d.detector == "id_card"]
    assert [(d.start, d.end) for d in ids] == [(len(before), len(before) + 18)]
    bad = before + wrong_check(number) + after
    assert all(d.detector != "id_card" for d in find_personal_data(bad))


# --- mobile numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "13812345678",
        "19912345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "8613812345678",
        "+86 13812345678",
        "+86 138 1234 5678",
        "86-138-1234-5678",
        "0086 138 1234 5678",
        "008613812345678",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_numbers_in_their_usual_forms(written):
    assert found(f"联系电话:{written},欢迎来电。") == [("mobile", written)]


@pytest.mark.parametrize(
    "written",
    [
        "12812345678",  # 12x is no mobile prefix
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "0138123456789",  # inside a longer run
        "138-1234 5678",  # mixed separators
        "1381-234-5678",  # wrong grouping
        "138****5678",  # already masked
        "0354-3012345",  # landline
        "2024-2025-2026",
    ],
)
def test_what_is_not_a_mobile_number(written):
    assert "mobile" not in detectors(f"电话{written}。")


def test_two_mobile_numbers_side_by_side():
    text = "电话13812345678、13912345678"
    assert found(text) == [("mobile", "13812345678"), ("mobile", "13912345678")]
    assert found("13812345678 13912345678") == [("mobile", "13812345678"), ("mobile", "13912345678")]


# --- bank cards -------------------------------------------------------------------------------------------


def test_luhn():
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert not luhn_valid("")
    assert not luhn_valid("７９９２７３９８７１３")


@pytest.mark.parametrize("number", [VISA, MASTERCARD, JCB, UNIONPAY_16, UNIONPAY_19])
def test_bank_cards_are_found(number):
    assert found(f"收款账号{number}。") == [("bank_card", number)]


@pytest.mark.parametrize(
    "written",
    ["6200 0000 0000 0005", "4111-1111-1111-1111", "6205 5000 0000 0000 004", "6205500000000000004"],
)
def test_bank_cards_in_groups_of_four(written):
    assert found(f"卡号:{written}") == [("bank_card", written)]


@pytest.mark.parametrize(
    "written",
    [
        "4111111111111112",  # Luhn fails
        "6011111111111117",  # Luhn passes, but 60 is not an issuer we report
        "378282246310005",  # 15-digit Amex: too short
        "62000000000000000006",  # 20 digits
        "1" + VISA,  # inside a longer run
        "4111 1111 1111 1111 1111 1",  # a longer grouped number
        "1111 4111 1111 1111 1111",  # the end of a longer grouped number
        "6200 **** **** 0005",  # masked
        "4111 1111-1111 1111",  # mixed separators
    ],
)
def test_what_is_not_a_bank_card(written):
    assert "bank_card" not in detectors(f"卡号:{written}。")


def test_a_grouped_card_takes_a_short_last_group():
    # 16 digits and a last group of one: read as a 17-digit number, which fails Luhn: nothing reported.
    assert detectors("卡号:6200 0000 0000 0005 0。") == []
    assert not is_valid_bank_card("62000000000000050")


def test_an_id_number_that_also_passes_luhn_is_reported_once_as_an_id():
    numbers = (make_id(44, datetime.date(1990, 1, 1), serial) for serial in range(1000))
    number = next(n for n in numbers if luhn_valid(n))
    assert is_valid_bank_card(number)
    assert found(f"号码{number}") == [("id_card", number)]


def test_an_18_digit_luhn_number_that_is_no_id_is_a_bank_card():
    numbers = (f"6222{n:013d}" for n in range(100))
    candidates = (n + str(d) for n in numbers for d in range(10))
    number = next(n for n in candidates if luhn_valid(n))
    assert not is_valid_resident_id(number)  # 62 is a province, but 2200… is no birth date
    assert found(f"卡号{number}") == [("bank_card", number)]


# --- e-mail ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["alice@example.com", "wang.xiao-ming+news@jz.gov.cn", "a_b%c@sub.mail.example.org", "x@y.co"],
)
def test_email_addresses_are_found(address):
    assert found(f"联系邮箱:{address}。") == [("email", address)]


def test_email_next_to_chinese_and_at_a_sentence_end():
    assert found("请发送至jzwlj@163.com,谢谢") == [("email", "jzwlj@163.com")]
    assert found("邮箱 office@jz.gov.cn.") == [("email", "office@jz.gov.cn")]


@pytest.mark.parametrize(
    "text",
    [
        "a***@example.com",
        "z***g@example.com",
        "***@example.com",
        "user@localhost",
        "@example.com",
        "user@.com",
        "user@example",
        "user@example.c",
        "user..name@example.com",
        "微博@晋中文旅",
        "user@exa_mple.com",
    ],
)
def test_what_is_not_an_email_address(text):
    assert "email" not in detectors(f"联系{text} 。")


def test_full_width_at_sign():
    assert found("邮箱office＠jz.gov.cn。") == [("email", "office＠jz.gov.cn")]


def test_a_local_part_longer_than_allowed_is_not_cut_to_fit():
    assert detectors("x" * 70 + "@example.com") == []
    assert detectors("联系" + "a." * 40 + "bc@example.com") == []  # 82 characters before the @
    assert detectors("联系" + "a." * 30 + "bc@example.com") == ["email"]


# --- severity and masks ------------------------------------------------------------------------------------


def test_severities():
    assert DETECTOR_SEVERITY == {
        "id_card": "blocking",
        "bank_card": "blocking",
        "mobile": "warning",
        "email": "warning",
    }


@pytest.mark.parametrize(
    ("detector", "value", "masked"),
    [
        ("id_card", "110105194912310025", "1101**********0025"),
        ("id_card", "11010519491231002X", "1101**********002X"),
        ("id_card", "140702850615003", "1407*******5003"),
        ("mobile", "13812345678", "138****5678"),
        ("mobile", "+86 138-1234-5678", "+86 138-****-5678"),
        ("mobile", "１３８１２３４５６７８", "１３８****５６７８"),
        ("bank_card", "6200000000000005", "6200********0005"),
        ("bank_card", "6205 5000 0000 0000 004", "6205 **** **** ***0 004"),
        ("email", "alice@example.com", "a***@example.com"),
        ("email", "x@y.co", "x***@y.co"),
        ("dictionary", "张三丰", "张**"),
    ],
)
def test_masks(detector, value, masked):
    assert mask_value(detector, value) == masked


def test_mask_of_an_unknown_detector_is_an_error():
    with pytest.raises(ValueError):
        mask_value("passport", "E12345678")


def test_masked_values_are_not_found_again():
    text = f"身份证{STANDARD_ID},手机13812345678,卡号{VISA},邮箱alice@example.com"
    masked = text
    for detection in reversed(find_personal_data(text)):
        value = text[detection.start : detection.end]
        masked = masked[: detection.start] + mask_value(detection.detector, value) + masked[detection.end :]
    assert len(find_personal_data(text)) == 4
    assert find_personal_data(masked) == []


def test_text_without_digits_or_at_signs():
    assert find_personal_data("") == []
    assert find_personal_data("关于开展2026年文化旅游工作的通知") == []
