"""Realistic synthetic CRM data for demos, templates, tests and benchmarks.

Everything here is deterministic for a seed (one ``numpy.random.Generator`` per
call) and vectorised, so 100,000 customers take a second or so.

- :func:`demo_frames` — a customer sheet and an order-line sheet as a user's
  workbook would hold them (headers as people type them, English or Chinese).
  Purchase behaviour is mixed so that every RFM segment and every lifecycle
  stage occurs: prospects, new, active, reactivated, churn-warning and lost
  customers, heavy-tailed spend, multi-line orders and a few refunds.
- :func:`messy` — copies with a few realistic data-entry problems planted, and
  the list of what was planted (for the demo's Issues sheet and for tests).
- :func:`template_frames` — the data of the three template workbooks.
- :func:`write_input_workbook` — the user's raw input workbook (openpyxl).

This module generates data only; it never classifies anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "CUSTOMER_COLUMNS",
    "TRANSACTION_COLUMNS",
    "TEMPLATE_NAMES",
    "MESSY_KINDS",
    "Planted",
    "demo_frames",
    "messy",
    "template_frames",
    "write_input_workbook",
]

DEFAULT_AS_OF = dt.date(2026, 6, 30)

CUSTOMER_COLUMNS = {
    "en": ["Customer ID", "Name", "Customer Type", "Source", "Region", "Country", "City", "Industry",
           "Company Size", "Satisfaction", "Interactions", "Account Manager"],
    "zh": ["客户编号", "客户名称", "客户类型", "客户来源", "地区", "国家", "城市", "行业",
           "企业规模", "满意度", "互动次数", "客户经理"],
}
TRANSACTION_COLUMNS = {
    "en": ["Customer ID", "Order ID", "Order Date", "Amount"],
    "zh": ["客户编号", "订单号", "下单日期", "金额"],
}

TEMPLATE_NAMES = ("retail_b2c", "b2b_key_accounts", "cross_border")

# ------------------------------------------------------------------ behaviour model
# Archetypes drive the purchase history. Their mix makes every lifecycle stage occur.
PROSPECT, NEW, ACTIVE, REACTIVATED, CHURN_WARNING, LOST = range(6)
ARCHETYPES = ("prospect", "new", "active", "reactivated", "churn_warning", "lost")
DEMO_MIX = (0.08, 0.08, 0.46, 0.04, 0.15, 0.19)

WINDOW_DAYS = 730  # two years of history ending at as_of


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _check_lang(lang: str) -> int:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang is {lang!r}; use 'en' or 'zh'.")
    return 0 if lang == "en" else 1


def _allocate(rng: np.random.Generator, n: int, shares) -> np.ndarray:
    """Archetype code per customer: exact counts by largest remainder, shuffled.

    Every archetype with a positive share gets at least one customer when n allows.
    """
    shares = np.asarray(shares, dtype=float)
    shares = shares / shares.sum()
    raw = shares * n
    counts = np.floor(raw).astype(np.int64)
    rest = n - counts.sum()
    if rest:
        counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    positive = np.flatnonzero(shares > 0)
    if n >= len(positive):
        for i in positive:
            if counts[i] == 0:
                counts[i] = 1
                counts[np.argmax(counts)] -= 1
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def _uniform_int(rng, lo, hi) -> np.ndarray:
    """Uniform integers in [lo, hi] (inclusive, element-wise)."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    return lo + np.floor(rng.random(lo.shape) * (hi - lo + 1)).astype(np.int64)


class _Sim(NamedTuple):
    arch: np.ndarray        # archetype per customer
    row_cust: np.ndarray    # transaction rows: customer index
    row_order: np.ndarray   # order number (1.. in date order); a refund repeats its order's number
    row_ago: np.ndarray     # days before as_of
    row_amount: np.ndarray  # rounded to cents; refunds negative
    orders: np.ndarray      # per customer: purchase orders
    first_ago: np.ndarray   # per customer: days since first purchase (-1: none)
    last_ago: np.ndarray    # per customer: days since last purchase (-1: none)
    monetary: np.ndarray    # per customer: net spend


def _simulate(rng: np.random.Generator, arch: np.ndarray, is_ent: np.ndarray, *,
              order_median=(280.0, 6000.0), order_sigma=(0.9, 1.1), rate_median=4.0,
              refund_share=0.015) -> _Sim:
    """Purchase histories for customers of the given archetypes (vectorised)."""
    n = len(arch)
    last_day = WINDOW_DAYS - 1
    # --- one or two purchase spans per buyer: (customer, first day ago, last day ago)
    c_parts, f_parts, l_parts, k_parts = [], [], [], []

    def add(idx, f, l, kind):
        c_parts.append(idx)
        f_parts.append(np.asarray(f, dtype=np.int64))
        l_parts.append(np.asarray(l, dtype=np.int64))
        k_parts.append(np.full(len(idx), kind))

    idx = np.flatnonzero(arch == NEW)
    f = _uniform_int(rng, np.zeros(len(idx)), np.full(len(idx), 89))
    add(idx, f, np.floor(f * rng.random(len(idx))), NEW)

    idx = np.flatnonzero(arch == ACTIVE)
    # recent buyers are denser near as_of: squared uniform
    l_ = np.floor(181 * rng.random(len(idx)) ** 1.5)
    add(idx, _uniform_int(rng, np.maximum(l_, 91), np.full(len(idx), last_day)), l_, ACTIVE)

    idx = np.flatnonzero(arch == CHURN_WARNING)
    l_ = _uniform_int(rng, np.full(len(idx), 181), np.full(len(idx), 365))
    add(idx, _uniform_int(rng, l_, np.full(len(idx), last_day)), l_, CHURN_WARNING)

    idx = np.flatnonzero(arch == LOST)
    l_ = _uniform_int(rng, np.full(len(idx), 366), np.full(len(idx), last_day))
    add(idx, _uniform_int(rng, l_, np.full(len(idx), last_day)), l_, LOST)

    idx = np.flatnonzero(arch == REACTIVATED)
    f = _uniform_int(rng, np.full(len(idx), 500), np.full(len(idx), last_day))
    add(idx, f, _uniform_int(rng, np.full(len(idx), 500), f), LOST)        # before the long gap
    f = _uniform_int(rng, np.zeros(len(idx)), np.full(len(idx), 130))
    add(idx, f, np.floor(f * rng.random(len(idx))), NEW)                 # back again recently

    s_cust = np.concatenate(c_parts) if c_parts else np.zeros(0, np.int64)
    s_f = np.concatenate(f_parts) if f_parts else np.zeros(0, np.int64)
    s_l = np.concatenate(l_parts) if l_parts else np.zeros(0, np.int64)
    s_kind = np.concatenate(k_parts) if k_parts else np.zeros(0, np.int64)

    # --- number of orders per span: heavy-tailed personal rate (orders per year) x span length
    rate = rate_median * rng.lognormal(0.0, 0.85, n) * np.where(is_ent, 1.4, 1.0)
    s_n = 1 + rng.poisson(rate[s_cust] * (s_f - s_l) / 365.0)
    s_n = np.minimum(s_n, 150)
    one = s_n == 1
    # a single order sits at the span's last day; an "active" one-timer bought 91-180 days ago
    act1 = one & (s_kind == ACTIVE)
    s_l[act1] = _uniform_int(rng, np.full(act1.sum(), 91), np.full(act1.sum(), 180))
    s_f[one] = s_l[one]

    # --- expand spans into orders: first at f, last at l, the rest uniform in between
    n_orders = int(s_n.sum())
    span = np.repeat(np.arange(len(s_n)), s_n)
    start = np.repeat(np.cumsum(s_n) - s_n, s_n)
    k = np.arange(n_orders) - start
    size = s_n[span]
    u = rng.random(n_orders)
    u[k == 0] = 0.0
    u[(k == size - 1) & (size > 1)] = 1.0
    o_ago = np.rint(s_f[span] - u * (s_f - s_l)[span]).astype(np.int64)
    o_cust = s_cust[span]

    # --- order values: customer level (lognormal, enterprises bigger) x order noise
    med = np.where(is_ent, order_median[1], order_median[0])
    sig = np.where(is_ent, order_sigma[1], order_sigma[0])
    level = med * np.exp(sig * rng.standard_normal(n))
    o_value = level[o_cust] * rng.lognormal(0.0, 0.35, n_orders)
    o_value = np.maximum(o_value, 5.0)

    # order numbers in date order (oldest first)
    o_no = np.empty(n_orders, dtype=np.int64)
    o_no[np.lexsort((rng.random(n_orders), -o_ago))] = np.arange(1, n_orders + 1)

    # --- line items: 80 % one line, 14 % two, 6 % three; same order number and date
    r = rng.random(n_orders)
    m = 1 + (r > 0.80) + (r > 0.94)
    line_of = np.repeat(np.arange(n_orders), m)
    w = rng.gamma(3.0, 1.0, len(line_of))
    w /= np.bincount(line_of, weights=w, minlength=n_orders)[line_of]
    l_amount = np.maximum(np.round(o_value[line_of] * w, 2), 0.5)
    o_total = np.bincount(line_of, weights=l_amount, minlength=n_orders)

    # --- refunds: a few orders of repeat customers, full or partial, up to 14 days later
    orders_per_cust = np.bincount(o_cust, minlength=n)
    eligible = np.flatnonzero(orders_per_cust[o_cust] >= 2)
    n_ref = min(len(eligible), max(3, int(round(refund_share * n_orders)))) if len(eligible) else 0
    ref = np.sort(rng.choice(eligible, n_ref, replace=False)) if n_ref else np.zeros(0, np.int64)
    frac = np.where(rng.random(n_ref) < 0.35, 1.0, rng.uniform(0.1, 0.6, n_ref))
    ref_amount = -np.round(o_total[ref] * frac, 2)
    ref_ago = np.maximum(o_ago[ref] - _uniform_int(rng, np.zeros(n_ref), np.full(n_ref, 14)), 0)

    row_cust = np.concatenate([o_cust[line_of], o_cust[ref]])
    row_order = np.concatenate([o_no[line_of], o_no[ref]])
    row_ago = np.concatenate([o_ago[line_of], ref_ago])
    row_amount = np.concatenate([l_amount, ref_amount])
    is_ref = np.concatenate([np.zeros(len(line_of), bool), np.ones(n_ref, bool)])
    order = np.lexsort((is_ref, row_order, -row_ago))

    first_ago = np.full(n, -1, dtype=np.int64)
    last_ago = np.full(n, 10**9, dtype=np.int64)
    np.maximum.at(first_ago, o_cust, o_ago)
    np.minimum.at(last_ago, o_cust, o_ago)
    last_ago[last_ago == 10**9] = -1
    monetary = np.round(np.bincount(row_cust, weights=row_amount, minlength=n), 2)
    return _Sim(arch, row_cust[order], row_order[order], row_ago[order], row_amount[order],
                orders_per_cust, first_ago, last_ago, monetary)


# ------------------------------------------------------------------ vocabularies
# Chinese cities: (en, zh, region key, weight)
CN_CITIES = [
    ("Shanghai", "上海", "east", 12), ("Beijing", "北京", "north", 11), ("Shenzhen", "深圳", "south", 9),
    ("Guangzhou", "广州", "south", 8), ("Hangzhou", "杭州", "east", 7), ("Suzhou", "苏州", "east", 5),
    ("Nanjing", "南京", "east", 5), ("Ningbo", "宁波", "east", 3), ("Chengdu", "成都", "southwest", 6),
    ("Chongqing", "重庆", "southwest", 5), ("Wuhan", "武汉", "central", 5), ("Changsha", "长沙", "central", 3),
    ("Zhengzhou", "郑州", "central", 3), ("Xi'an", "西安", "northwest", 4), ("Tianjin", "天津", "north", 4),
    ("Qingdao", "青岛", "east", 3), ("Jinan", "济南", "east", 2), ("Xiamen", "厦门", "east", 2),
    ("Fuzhou", "福州", "east", 2), ("Hefei", "合肥", "east", 2), ("Dongguan", "东莞", "south", 3),
    ("Kunming", "昆明", "southwest", 2), ("Shenyang", "沈阳", "northeast", 2), ("Dalian", "大连", "northeast", 2),
    ("Harbin", "哈尔滨", "northeast", 2), ("Lanzhou", "兰州", "northwest", 1),
    ("Shijiazhuang", "石家庄", "north", 1),
]
REGIONS = {
    "east": ("East China", "华东"), "north": ("North China", "华北"), "south": ("South China", "华南"),
    "central": ("Central China", "华中"), "southwest": ("Southwest China", "西南"),
    "northwest": ("Northwest China", "西北"), "northeast": ("Northeast China", "东北"),
    "na": ("North America", "北美"), "eu": ("Europe", "欧洲"), "apac": ("Asia-Pacific", "亚太"),
    "me": ("Middle East", "中东"), "latam": ("Latin America", "拉丁美洲"),
}
# Countries: key -> (en, zh, region key, name culture, legal suffixes, [(city en, city zh)])
COUNTRIES = {
    "CN": ("China", "中国", None, "cn", None, None),
    "US": ("United States", "美国", "na", "anglo", ("Inc.", "LLC", "Corp."),
           [("New York", "纽约"), ("San Francisco", "旧金山"), ("Chicago", "芝加哥"), ("Los Angeles", "洛杉矶"),
            ("Seattle", "西雅图")]),
    "CA": ("Canada", "加拿大", "na", "anglo", ("Inc.", "Ltd."), [("Toronto", "多伦多"), ("Vancouver", "温哥华")]),
    "UK": ("United Kingdom", "英国", "eu", "anglo", ("Ltd", "plc"),
           [("London", "伦敦"), ("Manchester", "曼彻斯特"), ("Birmingham", "伯明翰")]),
    "DE": ("Germany", "德国", "eu", "de", ("GmbH", "AG"),
           [("Berlin", "柏林"), ("Munich", "慕尼黑"), ("Hamburg", "汉堡"), ("Frankfurt", "法兰克福")]),
    "FR": ("France", "法国", "eu", "fr", ("SAS", "SA"), [("Paris", "巴黎"), ("Lyon", "里昂")]),
    "NL": ("Netherlands", "荷兰", "eu", "nl", ("B.V.",), [("Amsterdam", "阿姆斯特丹"), ("Rotterdam", "鹿特丹")]),
    "ES": ("Spain", "西班牙", "eu", "es", ("S.L.", "S.A."), [("Madrid", "马德里"), ("Barcelona", "巴塞罗那")]),
    "IT": ("Italy", "意大利", "eu", "it", ("S.r.l.", "S.p.A."), [("Milan", "米兰"), ("Rome", "罗马")]),
    "SE": ("Sweden", "瑞典", "eu", "sv", ("AB",), [("Stockholm", "斯德哥尔摩"), ("Gothenburg", "哥德堡")]),
    "JP": ("Japan", "日本", "apac", "jp", ("K.K.", "Co., Ltd."),
           [("Tokyo", "东京"), ("Osaka", "大阪"), ("Yokohama", "横滨")]),
    "KR": ("South Korea", "韩国", "apac", "kr", ("Co., Ltd.",), [("Seoul", "首尔"), ("Busan", "釜山")]),
    "SG": ("Singapore", "新加坡", "apac", "sg", ("Pte. Ltd.",), [("Singapore", "新加坡")]),
    "MY": ("Malaysia", "马来西亚", "apac", "sg", ("Sdn. Bhd.",), [("Kuala Lumpur", "吉隆坡"), ("Penang", "槟城")]),
    "AU": ("Australia", "澳大利亚", "apac", "anglo", ("Pty Ltd",), [("Sydney", "悉尼"), ("Melbourne", "墨尔本")]),
    "AE": ("United Arab Emirates", "阿联酋", "me", "ar", ("LLC", "FZE"), [("Dubai", "迪拜"), ("Abu Dhabi", "阿布扎比")]),
    "SA": ("Saudi Arabia", "沙特阿拉伯", "me", "ar", ("LLC",), [("Riyadh", "利雅得"), ("Jeddah", "吉达")]),
    "IL": ("Israel", "以色列", "me", "he", ("Ltd.",), [("Tel Aviv", "特拉维夫"), ("Haifa", "海法")]),
    "BR": ("Brazil", "巴西", "latam", "pt", ("Ltda.",), [("São Paulo", "圣保罗"), ("Rio de Janeiro", "里约热内卢")]),
    "MX": ("Mexico", "墨西哥", "latam", "es", ("S.A. de C.V.",), [("Mexico City", "墨西哥城"), ("Monterrey", "蒙特雷")]),
    "CL": ("Chile", "智利", "latam", "es", ("SpA",), [("Santiago", "圣地亚哥")]),
    "CO": ("Colombia", "哥伦比亚", "latam", "es", ("S.A.S.",), [("Bogotá", "波哥大"), ("Medellín", "麦德林")]),
}
DEMO_COUNTRIES = {"CN": 80.0, "US": 4.5, "UK": 2.5, "DE": 2.5, "JP": 3.0, "SG": 2.5, "AU": 2.0, "FR": 1.0,
                  "CA": 1.0, "KR": 1.0}
CROSS_BORDER_REGIONS = {"eu": 0.35, "na": 0.30, "apac": 0.20, "me": 0.08, "latam": 0.07}
# country weights within a region; the regions themselves are weighted by CROSS_BORDER_REGIONS
CROSS_BORDER_WEIGHTS = {"US": 5, "CA": 1.2, "UK": 3, "DE": 3, "FR": 2, "NL": 1, "ES": 1, "IT": 1, "SE": 0.7,
                        "JP": 2, "KR": 1, "SG": 1, "MY": 0.7, "AU": 1.5, "AE": 2, "SA": 1, "IL": 0.8,
                        "BR": 2, "MX": 1.5, "CL": 0.6, "CO": 0.6}

INDUSTRIES = [  # (en, zh, weight, en words for company names, zh words)
    ("Manufacturing", "制造业", 22, ("Precision Machinery", "Industrial", "Electronics", "Manufacturing"),
     ("机械制造", "精密制造", "电子", "实业")),
    ("Retail", "零售", 16, ("Trading", "Retail", "Commerce"), ("商贸", "商业", "零售")),
    ("IT", "信息技术", 18, ("Technology", "Software", "Digital", "Information Technology"),
     ("科技", "软件", "网络科技", "信息技术")),
    ("Finance", "金融", 9, ("Financial Services", "Capital", "Investment"), ("金融服务", "投资", "资产管理")),
    ("Healthcare", "医疗健康", 9, ("Medical", "Pharmaceutical", "Health Technology"), ("医疗科技", "医药", "健康科技")),
    ("Education", "教育", 7, ("Education Technology", "Training", "Learning"), ("教育科技", "培训", "文化教育")),
    ("Logistics", "物流", 11, ("Logistics", "Supply Chain", "Freight"), ("物流", "供应链管理", "货运代理")),
    ("Energy", "能源", 8, ("Energy", "New Energy", "Power Equipment"), ("能源", "新能源", "电力设备")),
]
SIZE_BANDS = ("1-49", "50-249", "250-999", "1000+")
SIZE_WEIGHTS = (0.38, 0.32, 0.18, 0.12)

MANAGERS = [("Alice Chen", "陈晓丽"), ("Brian Wu", "吴斌"), ("Cathy Li", "李佳"), ("David Zhang", "张伟"),
            ("Emily Wang", "王晓燕"), ("Frank Liu", "刘洋"), ("Grace Zhou", "周婷"), ("Henry Sun", "孙浩")]

TYPES = {"individual": ("Individual", "个人"), "enterprise": ("Enterprise", "企业")}
SOURCES = {"online": ("Online", "线上"), "offline": ("Offline", "线下")}

# names: surname (hanzi, pinyin), given name (hanzi, pinyin)
CN_SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
               ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
               ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("林", "Lin"),
               ("高", "Gao"), ("罗", "Luo"), ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"),
               ("唐", "Tang"), ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng")]
CN_GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("丽", "Li"),
            ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"), ("艳", "Yan"),
            ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"), ("霞", "Xia"),
            ("平", "Ping"), ("刚", "Gang"), ("晓明", "Xiaoming"), ("建华", "Jianhua"), ("子涵", "Zihan"),
            ("浩然", "Haoran"), ("雨桐", "Yutong"), ("欣怡", "Xinyi"), ("宇轩", "Yuxuan"), ("思远", "Siyuan"),
            ("佳怡", "Jiayi"), ("俊杰", "Junjie"), ("梓萱", "Zixuan"), ("文博", "Wenbo"), ("婷婷", "Tingting"),
            ("海燕", "Haiyan"), ("志强", "Zhiqiang"), ("丹", "Dan"), ("鹏", "Peng"), ("慧", "Hui"),
            ("晨", "Chen"), ("一鸣", "Yiming")]
CN_EN_FIRST = ["Kevin", "Jason", "Tony", "Eric", "Vivian", "Cherry", "Coco", "Jack", "Lily", "Grace", "Frank",
               "Alan", "Helen", "Amy", "Leo", "Sunny", "Ivy", "Peter", "Linda", "Bella", "Winnie", "Steven"]
NAME_POOLS = {
    "anglo": (["James", "Olivia", "William", "Emma", "Oliver", "Charlotte", "Jack", "Amelia", "Noah", "Sophia",
               "Liam", "Isabella", "Henry", "Grace", "Thomas", "Emily", "Daniel", "Chloe", "Samuel", "Lucy",
               "Michael", "Sarah", "David", "Hannah", "Ryan", "Megan", "Andrew", "Laura", "Matthew", "Jessica"],
              ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Anderson",
               "Thomas", "Moore", "Martin", "Clark", "Walker", "Hall", "Young", "King", "Wright", "Scott",
               "Green", "Baker", "Evans", "Turner", "Hughes", "O'Brien", "Murphy", "Kelly", "Campbell", "Patel"]),
    "de": (["Lukas", "Leon", "Finn", "Jonas", "Paul", "Felix", "Maximilian", "Anna", "Lena", "Leonie", "Marie",
            "Laura", "Sophie", "Katharina", "Jana", "Tobias", "Stefan", "Julia", "Sabine", "Matthias"],
           ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
            "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Braun", "Zimmermann"]),
    "fr": (["Louis", "Gabriel", "Jules", "Hugo", "Arthur", "Camille", "Léa", "Manon", "Chloé", "Inès", "Julien",
            "Mathilde", "Antoine", "Élodie", "Nicolas"],
           ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
            "Simon", "Laurent", "Lefebvre", "Michel", "Fournier", "Girard"]),
    "nl": (["Daan", "Sem", "Lucas", "Levi", "Emma", "Julia", "Tess", "Sanne", "Bram", "Lieke"],
           ["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer",
            "de Boer"]),
    "es": (["Mateo", "Santiago", "Sebastián", "Valentina", "Sofía", "Camila", "Lucía", "Diego", "Alejandro",
            "Daniela", "Javier", "Carmen", "Isabel", "Andrés", "Gabriela"],
           ["García", "Martínez", "Rodríguez", "López", "Hernández", "González", "Pérez", "Sánchez", "Ramírez",
            "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Morales"]),
    "pt": (["João", "Pedro", "Lucas", "Gabriel", "Maria", "Ana", "Beatriz", "Mariana", "Rafael", "Fernanda"],
           ["Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Costa"]),
    "it": (["Leonardo", "Francesco", "Alessandro", "Lorenzo", "Giulia", "Sofia", "Aurora", "Martina", "Chiara",
            "Matteo", "Marco", "Elena"],
           ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
            "Bruno", "Conti"]),
    "sv": (["Erik", "Lars", "Oscar", "Hugo", "Elsa", "Alice", "Maja", "Astrid", "Anders", "Ingrid"],
           ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
            "Svensson", "Lindberg"]),
    "jp": (["Haruto", "Yuto", "Sota", "Yuki", "Hinata", "Sakura", "Yui", "Aoi", "Riko", "Kenji", "Takumi",
            "Naoki", "Emi", "Mai", "Daiki"],
           ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi",
            "Kato", "Yoshida", "Yamada", "Sasaki", "Matsumoto", "Inoue"]),
    "kr": (["Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Jun-seo", "Ji-woo", "Do-yun", "Soo-ah", "Hyun-woo",
            "Ye-jin"],
           ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"]),
    "sg": (["Wei Ling", "Jia Hui", "Jun Jie", "Kai Wen", "Mei Ling", "Zhi Hao", "Xin Yi", "Wei Jie", "Hui Min",
            "Jun Wei"],
           ["Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Teo", "Koh"]),
    "ar": (["Mohammed", "Ahmed", "Omar", "Ali", "Youssef", "Khalid", "Fatima", "Aisha", "Layla", "Noor",
            "Mariam", "Hassan", "Sara", "Rania", "Tariq"],
           ["Al-Sayed", "Haddad", "Al-Farsi", "Al-Mansouri", "Khoury", "Nasser", "Saleh", "Hamdan", "Al-Amin",
            "Rahman", "Aziz", "Mansour"]),
    "he": (["Noam", "Yael", "Tamar", "Itai", "Omer", "Shira", "Eitan", "Maya", "Ariel", "Noa"],
           ["Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Friedman", "Shapiro", "Katz", "Avraham", "Dahan"]),
}
BRAND_HEAD = ["River", "Bright", "Star", "Golden", "Green", "Blue", "Sun", "Jade", "Sky", "Ever", "Grand",
              "Silver", "Cloud", "Dragon", "Phoenix", "Peak", "Harbor", "East", "Unity", "Prime", "North",
              "Oak", "Crystal", "Summit", "Lotus", "Maple", "Nova", "Red", "Pine", "Crown"]
BRAND_TAIL = ["tech", "star", "field", "wave", "link", "way", "stone", "bridge", "point", "gate", "line",
              "ridge", "view", "core", "path", "vale", "light", "bay", "port", "works"]
ZH_BRAND_HEAD = list("华恒鼎瑞金博天海中新宏锦东启卓联润盛安江嘉远德永汇")
ZH_BRAND_TAIL = list("科信达丰桥宇川锐图程方明越创泽康源通诚泰成辉耀邦业")


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


# ------------------------------------------------------------------ public API
def demo_frames(n_customers: int = 2000, seed: int = 7, lang: str = "en",
                as_of: dt.date = DEFAULT_AS_OF) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customers, transactions) as a user's workbook would hold them.

    customers: one row per customer, headers :data:`CUSTOMER_COLUMNS` [lang];
    transactions: one row per order line, headers :data:`TRANSACTION_COLUMNS` [lang],
    two years ending at ``as_of``, sorted by date. About 8 % of customers are
    prospects (no transactions). A refund is a negative line with the Order ID of
    an earlier purchase.
    """
    li = _check_lang(lang)
    as_of = _as_date(as_of)
    n = int(n_customers)
    if n < 1:
        raise ValueError("n_customers must be at least 1.")
    rng = np.random.default_rng(seed)

    is_ent = rng.random(n) < 0.30
    arch = _allocate(rng, n, DEMO_MIX)
    sim = _simulate(rng, arch, is_ent)

    country, region, city_en, city_zh, culture = _geography(rng, n, DEMO_COUNTRIES)
    industry = rng.choice(len(INDUSTRIES), n, p=_norm_w([r[2] for r in INDUSTRIES]))
    names = _person_names(rng, culture, lang)
    ent = np.flatnonzero(is_ent)
    names[ent] = _company_names(rng, country[ent], city_en[ent], city_zh[ent], industry[ent], lang)

    ind_word = np.array([r[li] for r in INDUSTRIES], dtype=object)[industry]
    ind_word[~is_ent] = None
    # bigger companies for bigger spenders: band from a noisy rank of the spend
    latent = np.log1p(np.maximum(sim.monetary, 0.0)) + rng.normal(0.0, 2.0, n)
    latent[~is_ent] = np.inf  # rank enterprises only
    q = (np.argsort(np.argsort(latent, kind="stable"), kind="stable") + 0.5) / max(int(is_ent.sum()), 1)
    size = np.array(SIZE_BANDS, dtype=object)[np.searchsorted(np.cumsum(SIZE_WEIGHTS)[:3], q, side="right")]
    size[~is_ent] = None
    manager = np.array([m[li] for m in MANAGERS], dtype=object)[rng.integers(0, len(MANAGERS), n)]
    manager[~is_ent] = None

    online = rng.random(n) < np.where(is_ent, 0.35, 0.62)
    interactions = rng.poisson(1.0 + 0.8 * sim.orders * np.where(is_ent, 1.5, 1.0) + 1.5 * (arch == PROSPECT))

    cols = CUSTOMER_COLUMNS[lang]
    customers = pd.DataFrame({
        cols[0]: _ids("C", n),
        cols[1]: names,
        cols[2]: _word(TYPES, np.where(is_ent, "enterprise", "individual"), lang),
        cols[3]: _word(SOURCES, np.where(online, "online", "offline"), lang),
        cols[4]: _word(REGIONS, region, lang),
        cols[5]: _word({k: v[:2] for k, v in COUNTRIES.items()}, country, lang),
        cols[6]: city_zh if lang == "zh" else city_en,
        cols[7]: ind_word,
        cols[8]: size,
        cols[9]: _satisfaction(rng, arch),
        cols[10]: interactions.astype(np.int64),
        cols[11]: manager,
    })
    customers = _tidy_text(customers)

    tcols = TRANSACTION_COLUMNS[lang]
    ids = customers[cols[0]].to_numpy(dtype=object)
    transactions = pd.DataFrame({
        tcols[0]: ids[sim.row_cust],
        tcols[1]: _ids("SO", int(sim.row_order.max()) if len(sim.row_order) else 0, 6)[sim.row_order - 1],
        tcols[2]: _dates(as_of, sim.row_ago),
        tcols[3]: sim.row_amount,
    })
    transactions = _tidy_text(transactions)
    return customers, transactions


def _tidy_text(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns of strings become pandas' default string dtype (blank = missing)."""
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("str")
    return df


# ------------------------------------------------------------------ messy copies
MESSY_KINDS = ("amount_text", "date_text", "bad_date", "duplicate_customer", "blank_row", "id_spaces",
               "total_row")


class Planted(NamedTuple):
    """One planted problem. ``index`` is the 0-based position in the returned frame;
    ``row`` the sheet row once written by :func:`write_input_workbook` (header in row 1)."""

    kind: str
    sheet: str
    index: int
    row: int
    column: str | None
    value: object


def messy(customers: pd.DataFrame, transactions: pd.DataFrame, seed: int = 3, *,
          kinds: Iterable[str] | None = None, customer_sheet: str = "Customers",
          transaction_sheet: str = "Transactions") -> tuple[pd.DataFrame, pd.DataFrame, list[Planted]]:
    """Copies of the demo frames with a few realistic data-entry problems planted.

    Kinds (default all, see :data:`MESSY_KINDS`): an amount typed as text
    (``'¥1,234.50'``), a date typed as text (``'2025/3/5'``), an unparseable date
    (``'sometime'``), a duplicated customer row, a blank customer row, an id with
    surrounding spaces (``' C00012 '``) and a ``Total`` row at the end of the
    transactions. Returns (customers, transactions, planted); the inputs are not
    changed.
    """
    kinds = list(MESSY_KINDS if kinds is None else kinds)
    unknown = sorted(set(kinds) - set(MESSY_KINDS))
    if unknown:
        raise ValueError(f"unknown kinds {unknown}; use {', '.join(MESSY_KINDS)}.")
    rng = np.random.default_rng(seed)
    cu = customers.copy().reset_index(drop=True)
    tr = transactions.copy().reset_index(drop=True)
    c_id = cu.columns[0]
    t_id, _, t_date, t_amount = tr.columns[:4]
    int_cols = [c for c in cu.columns if pd.api.types.is_integer_dtype(cu[c].dtype)]
    marks: list[tuple[str, str, object, str, object]] = []  # (kind, frame, marker, column, value)

    # transactions: choose distinct purchase rows (positive amounts, orders without refunds)
    amounts = pd.to_numeric(tr[t_amount], errors="coerce").to_numpy(dtype=float)
    total = round(float(np.nansum(amounts)), 2)
    refunded = tr.iloc[:, 1][amounts < 0].unique() if tr.shape[1] > 1 else []
    plain = np.flatnonzero((amounts > 0) & ~tr.iloc[:, 1].isin(refunded).to_numpy())
    picks = iter(rng.permutation(plain)) if len(plain) else iter(())
    tr["__pos"] = np.arange(len(tr))
    if any(k in kinds for k in ("amount_text", "date_text", "bad_date")):
        tr[t_amount] = tr[t_amount].astype(object)
        tr[t_date] = tr[t_date].astype(object)
    if "amount_text" in kinds:
        big = [i for i in plain if amounts[i] >= 1000]
        i = int(rng.choice(big)) if big else int(next(picks))
        text = f"¥{amounts[i]:,.2f}"
        tr.at[i, t_amount] = text
        marks.append(("amount_text", "t", i, t_amount, text))
    used = {m[2] for m in marks}
    for kind in ("date_text", "bad_date"):
        if kind not in kinds:
            continue
        i = next(int(j) for j in picks if int(j) not in used)
        used.add(i)
        if kind == "date_text":
            d = pd.Timestamp(tr.at[i, t_date])
            text = f"{d.year}/{d.month}/{d.day}"
        else:
            text = "sometime"
        tr.at[i, t_date] = text
        marks.append((kind, "t", i, t_date, text))
    if "total_row" in kinds:
        row = {c: None for c in tr.columns}
        row[t_id] = "Total"
        row[t_amount] = total
        row["__pos"] = -1
        tr = pd.concat([tr, pd.DataFrame([row])], ignore_index=True)
        marks.append(("total_row", "t", -1, t_id, "Total"))

    # customers
    cu["__pos"] = np.arange(len(cu), dtype=np.int64)
    cu[c_id] = cu[c_id].astype(object)
    if "id_spaces" in kinds:
        i = min(11, len(cu) - 1)
        text = f" {cu.at[i, c_id]} "
        cu.at[i, c_id] = text
        marks.append(("id_spaces", "c", i, c_id, text))
    if "duplicate_customer" in kinds:
        src = int(rng.integers(0, max(1, len(cu) // 2)))
        dup = cu.iloc[[src]].copy()
        dup["__pos"] = -2
        at = int(rng.integers(src + 1, len(cu) + 1))
        cu = pd.concat([cu.iloc[:at], dup, cu.iloc[at:]], ignore_index=True)
        marks.append(("duplicate_customer", "c", -2, c_id, dup.iat[0, 0]))
    if "blank_row" in kinds:
        at = int(rng.integers(len(cu) // 4, max(len(cu) // 4 + 1, 3 * len(cu) // 4)))
        blank = pd.DataFrame([{c: None for c in cu.columns}])
        blank["__pos"] = -3
        cu = pd.concat([cu.iloc[:at], blank, cu.iloc[at:]], ignore_index=True)
        marks.append(("blank_row", "c", -3, None, None))
    for c in customers.columns:  # concat with a blank row widens dtypes: restore them
        if cu[c].dtype == customers[c].dtype or (c == c_id and "id_spaces" in kinds):
            continue
        cu[c] = cu[c].astype("Int64" if c in int_cols else customers[c].dtype)

    planted = []
    for kind, frame, marker, column, value in marks:
        df, sheet = (tr, transaction_sheet) if frame == "t" else (cu, customer_sheet)
        pos = int(np.flatnonzero(df["__pos"].to_numpy() == marker)[0])
        planted.append(Planted(kind, sheet, pos, pos + 2, column, value))
    return cu.drop(columns="__pos"), tr.drop(columns="__pos"), planted


# ------------------------------------------------------------------ templates
def template_frames(name: str, seed: int = 11, n: int | None = None,
                    as_of: dt.date = DEFAULT_AS_OF) -> dict:
    """Data of a template workbook: {"customers", "transactions" (or None), "lang", "as_of"}.

    - ``retail_b2c`` (zh, 300): individual shoppers, one row per customer with
      首次购买日期, 最近购买日期, 购买次数, 消费金额 and 会员等级; no transaction sheet.
    - ``b2b_key_accounts`` (en, 200): enterprises with Revenue spread so that the
      1,000,000 / 100,000 thresholds split them 10 % / 40 % / 50 %.
    - ``cross_border`` (en, 300): an international storefront with a transaction sheet.
    """
    as_of = _as_date(as_of)
    rng = np.random.default_rng(seed)
    if name == "retail_b2c":
        return _retail_b2c(rng, n or 300, as_of)
    if name == "b2b_key_accounts":
        return _b2b_key_accounts(rng, n or 200, as_of)
    if name == "cross_border":
        return _cross_border(rng, n or 300, as_of)
    raise ValueError(f"unknown template {name!r}; use one of: {', '.join(TEMPLATE_NAMES)}.")


RETAIL_TIERS = (("普通会员", 0.0), ("银卡会员", 1000.0), ("金卡会员", 4000.0), ("钻石会员", 12000.0))


def _retail_b2c(rng, n: int, as_of: dt.date) -> dict:
    arch = _allocate(rng, n, (0.06, 0.10, 0.50, 0.0, 0.16, 0.18))
    is_ent = np.zeros(n, dtype=bool)
    sim = _simulate(rng, arch, is_ent, order_median=(260.0, 0.0), order_sigma=(0.85, 1.0), rate_median=3.5)
    country, region, city_en, city_zh, culture = _geography(rng, n, {"CN": 1.0})
    names = _person_names(rng, culture, "zh")
    online = rng.random(n) < 0.65
    spend = np.maximum(sim.monetary, 0.0)
    tier = np.array([t[0] for t in RETAIL_TIERS], dtype=object)[
        np.searchsorted([t[1] for t in RETAIL_TIERS], spend, side="right") - 1]
    monetary = np.where(sim.orders > 0, sim.monetary, 0.0)
    customers = pd.DataFrame({
        "客户编号": _ids("M", n),
        "客户名称": names,
        "客户类型": "个人",
        "客户来源": _word(SOURCES, np.where(online, "online", "offline"), "zh"),
        "会员等级": tier,
        "地区": _word(REGIONS, region, "zh"),
        "城市": city_zh,
        "首次购买日期": _dates(as_of, sim.first_ago),
        "最近购买日期": _dates(as_of, sim.last_ago),
        "购买次数": sim.orders.astype(np.int64),
        "消费金额": np.round(monetary, 2),
        "满意度": _satisfaction(rng, arch, 0.15),
        "互动次数": rng.poisson(1.0 + 0.6 * sim.orders).astype(np.int64),
    })
    return {"customers": _tidy_text(customers), "transactions": None, "lang": "zh", "as_of": as_of}


def _b2b_key_accounts(rng, n: int, as_of: dt.date) -> dict:
    arch = _allocate(rng, n, (0.0, 0.08, 0.62, 0.0, 0.18, 0.12))
    is_ent = np.ones(n, dtype=bool)
    sim = _simulate(rng, arch, is_ent, rate_median=6.0, refund_share=0.0)
    country, region, city_en, city_zh, culture = _geography(rng, n, {"CN": 70, "US": 8, "DE": 6, "UK": 5,
                                                                     "JP": 5, "SG": 4, "AU": 2})
    industry = rng.choice(len(INDUSTRIES), n, p=_norm_w([r[2] for r in INDUSTRIES]))
    company = _company_names(rng, country, city_en, city_zh, industry, "en")
    employees = np.clip(np.rint(np.exp(rng.normal(np.log(400), 1.5, n))), 5, 120_000).astype(np.int64)

    # revenue bands with exact shares: >= 1,000,000 (10 %), >= 100,000 (40 %), the rest (50 %)
    n_hi = int(round(0.10 * n))
    n_mid = int(round(0.40 * n))
    n_lo = n - n_hi - n_mid
    hi = np.minimum(1_000_000 * (1 + rng.pareto(1.8, n_hi)), 25_000_000)
    mid = np.minimum(np.exp(rng.uniform(np.log(100_000), np.log(1_000_000), n_mid)), 999_999.99)
    lo = np.minimum(np.exp(rng.uniform(np.log(6_000), np.log(100_000), n_lo)), 99_999.99)
    values = np.sort(np.round(np.concatenate([hi, mid, lo]), 2))[::-1]
    latent = np.log1p(np.maximum(sim.monetary, 0)) + rng.normal(0, 0.6, n) + 0.3 * np.log(employees)
    revenue = np.empty(n)
    revenue[np.argsort(-latent, kind="stable")] = values

    customers = pd.DataFrame({
        "Customer ID": _ids("KA", n, 4),
        "Company": company,
        "Industry": np.array([r[0] for r in INDUSTRIES], dtype=object)[industry],
        "Company Size": employees,
        "Account Manager": np.array([m[0] for m in MANAGERS], dtype=object)[rng.integers(0, len(MANAGERS), n)],
        "Satisfaction": _satisfaction(rng, arch, 0.08),
        "First Purchase": _dates(as_of, sim.first_ago),
        "Last Purchase": _dates(as_of, sim.last_ago),
        "Orders": sim.orders.astype(np.int64),
        "Revenue": revenue,
    })
    return {"customers": _tidy_text(customers), "transactions": None, "lang": "en", "as_of": as_of}


NEEDS = ("Product", "Service", "Both")


def _cross_border(rng, n: int, as_of: dt.date) -> dict:
    arch = _allocate(rng, n, DEMO_MIX)
    is_ent = rng.random(n) < 0.15
    sim = _simulate(rng, arch, is_ent, order_median=(45.0, 900.0), order_sigma=(0.8, 1.0))
    in_region = {}
    for code, w in CROSS_BORDER_WEIGHTS.items():
        in_region[COUNTRIES[code][2]] = in_region.get(COUNTRIES[code][2], 0.0) + w
    weights = {code: CROSS_BORDER_REGIONS[COUNTRIES[code][2]] * w / in_region[COUNTRIES[code][2]]
               for code, w in CROSS_BORDER_WEIGHTS.items()}
    country, region, city_en, city_zh, culture = _geography(rng, n, weights)
    industry = rng.choice(len(INDUSTRIES), n, p=_norm_w([r[2] for r in INDUSTRIES]))
    names = _person_names(rng, culture, "en")
    ent = np.flatnonzero(is_ent)
    names[ent] = _company_names(rng, country[ent], city_en[ent], city_zh[ent], industry[ent], "en")
    online = rng.random(n) < 0.85
    needs = _pick(rng, NEEDS, n, p=[0.70, 0.10, 0.20])
    needs[ent] = _pick(rng, NEEDS, len(ent), p=[0.35, 0.25, 0.40])
    customers = pd.DataFrame({
        "Customer ID": _ids("CB", n),
        "Name": names,
        "Country": _word({k: v[:2] for k, v in COUNTRIES.items()}, country, "en"),
        "Region": _word(REGIONS, region, "en"),
        "Source": _word(SOURCES, np.where(online, "online", "offline"), "en"),
        "Needs": needs,
    })
    ids = customers["Customer ID"].to_numpy(dtype=object)
    transactions = pd.DataFrame({
        "Customer ID": ids[sim.row_cust],
        "Order ID": _ids("WEB-", int(sim.row_order.max()) if len(sim.row_order) else 0, 6)[sim.row_order - 1],
        "Date": _dates(as_of, sim.row_ago),
        "Amount": sim.row_amount,
    })
    return {"customers": _tidy_text(customers), "transactions": _tidy_text(transactions), "lang": "en",
            "as_of": as_of}


# ------------------------------------------------------------------ workbook writer
WRITE_ONLY_ROWS = 20_000
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"


def write_input_workbook(path, customers: pd.DataFrame, transactions: pd.DataFrame | None = None, *,
                         customer_sheet: str = "Customers", transaction_sheet: str = "Transactions",
                         write_only: bool | None = None) -> None:
    """Write a plain input workbook, the user's raw data before xlseg runs.

    Header row bold and frozen; dates ``yyyy-mm-dd``; money ``#,##0.00``; column
    widths from the content. Above 20,000 rows in all (or ``write_only=True``) the
    workbook is streamed with openpyxl's write-only mode. Strings that start with
    ``=`` are written as text, never as formulas.
    """
    from openpyxl import Workbook

    sheets = [(customer_sheet, customers)]
    if transactions is not None:
        sheets.append((transaction_sheet, transactions))
    if write_only is None:
        write_only = sum(len(df) for _, df in sheets) > WRITE_ONLY_ROWS
    wb = Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    for title, df in sheets:
        columns, kinds = _column_values(df)
        widths = [_width(h, vals, kind) for h, vals, kind in zip(df.columns, columns, kinds)]
        ws = wb.create_sheet(title)
        if write_only:
            _write_streaming(ws, df, columns, kinds, widths)
        else:
            _write_normal(ws, df, columns, kinds, widths)
    wb.save(path)


def _column_values(df: pd.DataFrame) -> tuple[list[list], list[str | None]]:
    """Each column as a list of plain Python values (None for blanks) and its format kind."""
    columns, kinds = [], []
    for name in df.columns:
        s = df[name]
        kind = None
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            vals = [None if v is pd.NaT else v.to_pydatetime() for v in s.astype(object)]
            kind = "date"
        elif pd.api.types.is_bool_dtype(s.dtype):
            vals = [None if pd.isna(v) else bool(v) for v in s.astype(object)]
        elif pd.api.types.is_integer_dtype(s.dtype):
            vals = [None if v is pd.NA else int(v) for v in s.astype(object)] if s.hasnans else s.tolist()
        elif pd.api.types.is_float_dtype(s.dtype):
            arr = s.to_numpy(dtype=float, na_value=np.nan)
            vals = [None if v != v else v for v in arr.tolist()]
            finite = arr[np.isfinite(arr)]
            if len(finite) and np.any(finite != np.round(finite)):
                kind = "money"
        else:
            vals = [_plain(v) for v in s.tolist()]
            sample = [v for v in vals[:2000] if v is not None]
            if sample:
                n_dates = sum(isinstance(v, dt.date) for v in sample)
                n_money = sum(isinstance(v, float) and v != round(v) for v in sample)
                if n_dates > len(sample) / 2:
                    kind = "date"
                elif n_money > len(sample) / 2:
                    kind = "money"
        columns.append(vals)
        kinds.append(kind)
    return columns, kinds


def _plain(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float):
        return None if v != v else v
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        v = v.item()
        return None if isinstance(v, float) and v != v else v
    return v


def _text_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _width(header, vals: list, kind) -> float:
    sample = [v for v in vals[:500] if v is not None]
    widest = _text_width(str(header)) + 2  # room for the bold header / filter button
    for v in sample:
        if kind == "date" and isinstance(v, dt.date):
            w = 10
        elif kind == "money" and isinstance(v, (int, float)):
            w = len(f"{v:,.2f}")
        else:
            w = _text_width(str(v))
        widest = max(widest, w)
    return float(min(max(widest + 2, 8), 50))


def _formula_safe(value):
    """Strings starting with '=' would become formulas in openpyxl: keep them text."""
    return isinstance(value, str) and value.startswith("=")


def _write_normal(ws, df, columns, kinds, widths) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append([str(c) for c in df.columns])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    for row in zip(*columns):
        ws.append(row)
    n = len(df)
    for j, (vals, kind) in enumerate(zip(columns, kinds), start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = widths[j - 1]
        has_text = any(isinstance(v, str) for v in vals)
        if kind is None and not has_text:
            continue
        for (cell,) in ws.iter_rows(min_row=2, max_row=n + 1, min_col=j, max_col=j):
            v = cell.value
            if kind == "date" and isinstance(v, dt.date):
                cell.number_format = DATE_FORMAT
            elif kind == "money" and isinstance(v, (int, float)) and not isinstance(v, bool):
                cell.number_format = AMOUNT_FORMAT
            elif _formula_safe(v):
                cell.data_type = "s"
    ws.freeze_panes = "A2"


def _write_streaming(ws, df, columns, kinds, widths) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for c in df.columns:
        cell = WriteOnlyCell(ws, value=str(c))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    # one styled cell per formatted column, re-used: each row is serialised when appended
    styled = {}
    for j, kind in enumerate(kinds):
        if kind:
            cell = WriteOnlyCell(ws)
            cell.number_format = DATE_FORMAT if kind == "date" else AMOUNT_FORMAT
            styled[j] = (kind, cell)
    text_cols = [j for j, vals in enumerate(columns) if any(_formula_safe(v) for v in vals)]
    if not styled and not text_cols:
        for row in zip(*columns):
            ws.append(row)
        return
    for row in zip(*columns):
        row = list(row)
        for j, (kind, cell) in styled.items():
            v = row[j]
            if v is None:
                continue
            if (kind == "date" and isinstance(v, dt.date)) or (
                    kind == "money" and isinstance(v, (int, float)) and not isinstance(v, bool)):
                cell.value = v
                row[j] = cell
        for j in text_cols:
            v = row[j]
            if _formula_safe(v):
                cell = WriteOnlyCell(ws, value=v)
                cell.data_type = "s"
                row[j] = cell
        ws.append(row)
