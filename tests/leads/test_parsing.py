import pytest

from apps.leads.parsing import BadInput, clean_values, csv_column_values, split_pasted
from apps.marketo.leads import filter_value_batches


def test_pasted_values_split_on_lines_commas_and_semicolons():
    assert split_pasted("a@x.com\nb@x.com, c@x.com;d@x.com\r\n") == [
        "a@x.com",
        "b@x.com",
        " c@x.com",
        "d@x.com",
        "",
    ]


def test_values_are_trimmed_deduplicated_and_invalid_emails_listed_not_sent():
    parsed = clean_values(
        [" a@x.com ", "A@X.com", "not-an-email", "", "b@x.com"], data_type="email"
    )
    assert parsed.values == ["a@x.com", "b@x.com"]
    assert parsed.invalid == ["not-an-email"]
    assert parsed.duplicates == 1


def test_empty_input_is_refused_with_a_clear_message():
    with pytest.raises(BadInput, match="at least one value"):
        clean_values(["", "  "], data_type="email")


def test_only_invalid_values_are_refused_naming_one():
    with pytest.raises(BadInput, match="“nope”"):
        clean_values(["nope"], data_type="email")


def test_more_than_100000_values_are_refused():
    with pytest.raises(BadInput, match="at most 100,000"):
        clean_values([f"{n}@x.com" for n in range(100_001)], data_type="email")


def test_integer_fields_take_digits_only():
    parsed = clean_values(["12", "x1"], data_type="integer")
    assert parsed.values == ["12"] and parsed.invalid == ["x1"]


def test_csv_with_bom_and_semicolons_reads_the_chosen_column():
    data = "\ufeffName;E-mail\nAda;ada@x.com\nGrace;grace@x.com\n".encode()
    values, column = csv_column_values(data, column="e-mail", field="email")
    assert values == ["ada@x.com", "grace@x.com"] and column == "E-mail"


def test_excel_csv_in_windows_1252_is_read():
    data = "email,city\nzoë@x.com,Köln\n".encode("cp1252")
    values, _ = csv_column_values(data, column="", field="email")
    assert values == ["zoë@x.com"]


def test_a_csv_without_the_chosen_column_names_its_columns():
    with pytest.raises(BadInput, match="no column “mail”; its columns are: email, city"):
        csv_column_values(b"email,city\na@x.com,Paris\n", column="mail", field="email")


def test_an_empty_or_binary_csv_is_refused():
    with pytest.raises(BadInput, match="empty"):
        csv_column_values(b"  \n", column="", field="email")
    with pytest.raises(BadInput, match="not a CSV"):
        csv_column_values(b"PK\x03\x04\x00\x00", column="", field="email")


def test_a_csv_with_several_columns_and_none_named_like_the_field_asks_for_one():
    with pytest.raises(BadInput, match="Choose the column"):
        csv_column_values(b"a,b\n1,2\n", column="", field="email")


def test_batches_hold_300_values_or_fewer_when_too_long():
    assert [len(b) for b in filter_value_batches([str(n) for n in range(1000)])] == [
        300,
        300,
        300,
        100,
    ]
    long_values = ["x" * 100 + str(n) for n in range(50)]
    batches = list(filter_value_batches(long_values, max_bytes=1000))
    assert all(len(batch) <= 9 for batch in batches)
    assert sum(len(batch) for batch in batches) == 50
