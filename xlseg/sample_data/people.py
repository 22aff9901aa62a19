"""Synthetic customer attributes: person and company names, geography, satisfaction, dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from xlseg.sample_data.model import CHURN_WARNING, LOST, _check_lang
from xlseg.sample_data.vocab import (
    BRAND_HEAD,
    BRAND_TAIL,
    CN_CITIES,
    CN_EN_FIRST,
    CN_GIVEN,
    CN_SURNAMES,
    COUNTRIES,
    INDUSTRIES,
    NAME_POOLS,
    ZH_BRAND_HEAD,
    ZH_BRAND_TAIL,
)


def _cat(*parts) -> np.ndarray:
    """Element-wise string concatenation of arrays/scalars (object arrays; no per-row Python)."""
    out = np.asarray(parts[0], dtype=object)
    for p in parts[1:]:
        out = out + np.asarray(p, dtype=object)
    return out


def _pick(rng, pool, size, p=None) -> np.ndarray:
    arr = np.empty(len(pool), dtype=object)
    arr[:] = list(pool)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return arr[rng.choice(len(pool), size, p=p)]


def _ids(prefix: str, n: int, width: int = 5) -> np.ndarray:
    width = max(width, len(str(n)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def _person_names(rng, culture: np.ndarray, lang: str) -> np.ndarray:
    """A name per row by culture code; 'cn' is hanzi in zh, pinyin or English+surname in en."""
    out = np.empty(len(culture), dtype=object)
    for code in np.unique(culture):
        idx = np.flatnonzero(culture == code)
        k = len(idx)
        if code == "cn":
            s = rng.integers(0, len(CN_SURNAMES), k)
            g = rng.integers(0, len(CN_GIVEN), k)
            if lang == "zh":
                out[idx] = _cat(np.array([c[0] for c in CN_SURNAMES], dtype=object)[s],
                                np.array([c[0] for c in CN_GIVEN], dtype=object)[g])
            else:
                sur = np.array([c[1] for c in CN_SURNAMES], dtype=object)[s]
                pin = _cat(sur, " ", np.array([c[1] for c in CN_GIVEN], dtype=object)[g])
                eng = _cat(_pick(rng, CN_EN_FIRST, k), " ", sur)
                out[idx] = np.where(rng.random(k) < 0.65, pin, eng)
        else:
            first, last = NAME_POOLS[code]
            out[idx] = _cat(_pick(rng, first, k), " ", _pick(rng, last, k))
    return out


def _company_names(rng, country: np.ndarray, city_en: np.ndarray, city_zh: np.ndarray,
                   industry: np.ndarray, lang: str) -> np.ndarray:
    """Company names: Chinese ones carry their city; foreign ones a local legal suffix."""
    n = len(country)
    out = np.empty(n, dtype=object)
    ind_words = {i: (row[3], row[4]) for i, row in enumerate(INDUSTRIES)}
    brand = _cat(_pick(rng, BRAND_HEAD, n), _pick(rng, BRAND_TAIL, n))
    word_en = np.empty(n, dtype=object)
    word_zh = np.empty(n, dtype=object)
    for i, (en_words, zh_words) in ind_words.items():
        idx = np.flatnonzero(industry == i)
        j = rng.integers(0, len(en_words), len(idx))
        word_en[idx] = np.array(en_words, dtype=object)[j]
        word_zh[idx] = np.array(zh_words, dtype=object)[j]
    cn = np.flatnonzero(country == "CN")
    k = len(cn)
    if lang == "zh":
        head = _pick(rng, ZH_BRAND_HEAD, k)
        tail = _pick(rng, ZH_BRAND_TAIL, k)
        kind = _pick(rng, ["有限公司", "股份有限公司", "集团有限公司"], k, p=[0.75, 0.17, 0.08])
        out[cn] = _cat(city_zh[cn], head, tail, word_zh[cn], kind)
    else:
        kind = _pick(rng, [" Co., Ltd.", " Group Co., Ltd.", " Holdings Co., Ltd."], k, p=[0.8, 0.13, 0.07])
        out[cn] = _cat(city_en[cn], " ", brand[cn], " ", word_en[cn], kind)
    for code in np.unique(country):
        if code == "CN":
            continue
        idx = np.flatnonzero(country == code)
        legal = _pick(rng, COUNTRIES[code][4], len(idx))
        out[idx] = _cat(brand[idx], " ", word_en[idx], " ", legal)
    return out


def _geography(rng, n: int, weights: dict) -> tuple[np.ndarray, ...]:
    """(country code, region key, city en, city zh, culture) per customer."""
    codes = list(weights)
    country = _pick(rng, codes, n, p=[weights[c] for c in codes])
    region = np.empty(n, dtype=object)
    city_en = np.empty(n, dtype=object)
    city_zh = np.empty(n, dtype=object)
    culture = np.empty(n, dtype=object)
    for code in codes:
        idx = np.flatnonzero(country == code)
        if not len(idx):
            continue
        if code == "CN":
            j = rng.choice(len(CN_CITIES), len(idx), p=_norm_w([c[3] for c in CN_CITIES]))
            city_en[idx] = np.array([c[0] for c in CN_CITIES], dtype=object)[j]
            city_zh[idx] = np.array([c[1] for c in CN_CITIES], dtype=object)[j]
            region[idx] = np.array([c[2] for c in CN_CITIES], dtype=object)[j]
            culture[idx] = "cn"
        else:
            _, _, reg, cult, _, cities = COUNTRIES[code]
            j = rng.integers(0, len(cities), len(idx))
            city_en[idx] = np.array([c[0] for c in cities], dtype=object)[j]
            city_zh[idx] = np.array([c[1] for c in cities], dtype=object)[j]
            region[idx] = reg
            # 15 % of people abroad carry an English-language name
            culture[idx] = np.where(rng.random(len(idx)) < 0.85, cult, "anglo")
    return country, region, city_en, city_zh, culture


def _norm_w(w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    return w / w.sum()


def _word(table: dict, keys: np.ndarray, lang: str) -> np.ndarray:
    i = _check_lang(lang)
    out = np.empty(len(keys), dtype=object)
    for k, words in table.items():
        out[keys == k] = words[i]
    return out


def _satisfaction(rng, arch: np.ndarray, blank_share: float = 0.10) -> pd.Series:
    """1-5 scores, happier for engaged customers; some blank."""
    n = len(arch)
    happy = np.array([0.04, 0.08, 0.20, 0.36, 0.32])
    sad = np.array([0.12, 0.18, 0.30, 0.26, 0.14])
    p = np.where(np.isin(arch, (LOST, CHURN_WARNING))[:, None], sad, happy)
    c = np.cumsum(p, axis=1)
    score = 1 + (rng.random(n)[:, None] > c[:, :4]).sum(axis=1)
    out = pd.array(score, dtype="Int64")
    out[rng.random(n) < blank_share] = pd.NA
    return pd.Series(out)


def _dates(as_of: dt.date, ago: np.ndarray) -> np.ndarray:
    """datetime64[ns] for 'days before as_of'; negative ago means none (NaT)."""
    d = (np.datetime64(as_of, "D") - ago.astype("timedelta64[D]")).astype("datetime64[ns]")
    d[ago < 0] = np.datetime64("NaT")
    return d

