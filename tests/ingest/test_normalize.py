from ingest.normalize import canonical_tones, fold, has_diacritics, index_form, nfc


def test_tone_placement_variants_meet() -> None:
    pairs = [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("Hoá", "Hóa"), ("luỹ", "lũy")]
    for old, new in pairs:
        assert canonical_tones(old) == canonical_tones(new) == new


def test_tone_placement_keeps_ordinary_words() -> None:
    text = "Người dân được tiếp cận dịch vụ y tế; quả, giữa, khuỷu, ngoài, thuyết, tuổi, gì, quý"
    assert canonical_tones(text) == text


def test_nfc_and_decomposed_input() -> None:
    decomposed = "Nghi\u0323 quyê\u0301t"
    assert nfc(decomposed) == "Nghị quyết"
    assert index_form(decomposed) == "nghị quyết"


def test_fold_removes_diacritics_and_d() -> None:
    assert fold("Mục tiêu giáo dục Đến năm 2030") == "muc tieu giao duc den nam 2030"
    assert not has_diacritics("muc tieu giao duc 2030")
    assert has_diacritics("mục tiêu")
