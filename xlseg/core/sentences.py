"""The sentences a run says about itself, in the workbook's language: what it understood, notes, warnings,
and the data-quality problems and actions of the Issues sheet.

The engine, the readers and the workbook layer write these sentences in English (the language of the API,
``Result.understood`` / ``notes`` / ``warnings`` / ``issues``, and of their tests). :func:`say` gives one in
another language where it is shown (the Summary, the Issues sheet, the CLI). Like the label tables in
:mod:`xlseg.core.labels`, each entry pairs the English with the Chinese: here an English *pattern* with
named placeholders and its Chinese wording. A placeholder matches any text; its name's suffix says how the
text is carried over:

* ``{x}``: as it is (sheet and column names as the workbook shows them, numbers, dates, values);
* ``{x_t}``: a sentence or phrase of this catalogue itself, said in the language too (the match fails
  when it is not one);
* ``{x_l}``: a list of such phrases separated by ``; ``;
* ``{x_q}``: quoted names (``'A', 'B' and 'C'``) with Chinese quotation marks;
* ``{x_k}``: one word of :data:`WORDS`; ``{x_h}``: an English column header of :mod:`labels`;
* ``{x_e}``: why a model could not be fitted (:data:`FITS`);
* ``{x_w}``: labels of segments, tiers or stages separated by ``, ``, in Chinese;
* ``{x_c}``: names separated by ``, `` (tag names), separated by ``、``;
* ``{x_f}``: a field key (``customer_id``) and ``{x_m}``: a mapping ``'Header' -> field, ...``, with the
  fields' Chinese names (:data:`FIELDS`).

Patterns are tried in order (specific before general) and must match the whole text; a text no pattern
matches is shown as it is (a test runs real exports in Chinese and finds no English sentence left).
"""

from __future__ import annotations

import re
from functools import lru_cache

from xlseg.core import labels as L

FIELDS = {  # field keys (xlseg.core.columns) as a Chinese user calls them
    "customer_id": "客户编号", "name": "客户名称", "customer_type": "客户类型", "source": "来源渠道",
    "region": "地区", "country": "国家", "city": "城市", "industry": "行业", "company_size": "企业规模",
    "first_purchase": "首次购买日期", "last_purchase": "最近购买日期", "orders": "购买次数", "monetary": "消费金额",
    "interactions": "互动次数", "satisfaction": "满意度", "date": "日期", "amount": "金额", "order_id": "订单号",
    "quantity": "数量", "unit_price": "单价", "recency_days": "最近购买间隔天数",
}
WORDS = {
    "customer": "客户", "order": "订单", "comma": "逗号", "semicolon": "分号", "tab": "制表符",
    "vertical bar": "竖线", "day": "日", "month": "月", "TRUE": "TRUE", "FALSE": "FALSE",
    "--sheet": "--sheet", "--transactions": "--transactions",
    "customer_sheet": "customer_sheet", "transaction_sheet": "transaction_sheet",
}

_SHEET = "工作表“{s}”"
CATALOG: list[tuple[str, str]] = [
    # ---------------------------------------------------------------- what the run understood
    ("Sheet '{s}' holds customers: {m_m}.", _SHEET + "是客户表：{m}。"),
    ("Sheet '{s}' holds order lines: {m_m}.", _SHEET + "是订单明细表：{m}。"),
    ("Sheet '{s}' column '{h}': {x_t}", _SHEET + "的“{h}”列：{x}"),
    ("Order files column '{h}': {x_t}", "订单文件的“{h}”列：{x}"),
    ("Sheet '{s}': the amount is '{a}'; {u_q} are not used for it.", _SHEET + "：金额取“{a}”列；{u}不参与计算金额。"),
    ("Sheet '{s}': the amount is '{a}'; {u_q} is not used for it.", _SHEET + "：金额取“{a}”列；{u}不参与计算金额。"),
    ("Sheet '{s}' has no amount column: amount = '{q}' x '{p}' on every line.",
     _SHEET + "没有金额列：每行金额 = “{q}” × “{p}”。"),
    ("Sheet '{s}' has no amount or quantity column: amount = '{p}' (one unit a line).",
     _SHEET + "没有金额列和数量列：金额 = “{p}”（每行按一件计）。"),
    ("Sheet '{s}' was used as the {k_k} sheet: it is the first (leftmost) sheet that looks like one; {o_q} also "
     "looks like {k2_k} sheets and was not used. Choose with {opt_k} or {set_k} in Settings.",
     _SHEET + "被用作{k}表：它是最左边第一个像{k}表的工作表；{o}也像{k2}表，未使用。可用 {opt} 或设置中的 {set} 指定。"),
    ("Sheet '{s}' was used as the {k_k} sheet: it is the first (leftmost) sheet that looks like one; {o_q} also "
     "look like {k2_k} sheets and were not used. Choose with {opt_k} or {set_k} in Settings.",
     _SHEET + "被用作{k}表：它是最左边第一个像{k}表的工作表；{o}也像{k2}表，未使用。可用 {opt} 或设置中的 {set} 指定。"),
    ("Sheet '{s}': {x_t}", _SHEET + "：{x}"),
    ("'{h}' was taken as {f_f} (it matches an alias exactly); {o_q} kept as a plain column. Set column.{f2} in "
     "Settings to choose another.",
     "“{h}”列被识别为“{f}”字段（与别名完全一致）；{o}作为普通列保留。如需改用其他列，请在设置中填写 column.{f2}。"),
    ("'{h}' was taken as {f_f} (it matches an alias exactly); {o_q} kept as plain columns. Set column.{f2} in "
     "Settings to choose another.",
     "“{h}”列被识别为“{f}”字段（与别名完全一致）；{o}作为普通列保留。如需改用其他列，请在设置中填写 column.{f2}。"),
    ("'{h}' was taken as {f_f} (it is the field's own name); {o_q} kept as a plain column. Set column.{f2} in "
     "Settings to choose another.",
     "“{h}”列被识别为“{f}”字段（列名就是该字段名）；{o}作为普通列保留。如需改用其他列，请在设置中填写 column.{f2}。"),
    ("'{h}' was taken as {f_f} (it is the field's own name); {o_q} kept as plain columns. Set column.{f2} in "
     "Settings to choose another.",
     "“{h}”列被识别为“{f}”字段（列名就是该字段名）；{o}作为普通列保留。如需改用其他列，请在设置中填写 column.{f2}。"),
    ("dates read day first (dd/mm/yyyy) for the whole column: '{v}' can only be day first.",
     "整列日期按“日在前”（dd/mm/yyyy）读取：“{v}”只能是日在前。"),
    ("dates read month first (mm/dd/yyyy) for the whole column: '{v}' can only be month first.",
     "整列日期按“月在前”（mm/dd/yyyy）读取：“{v}”只能是月在前。"),
    ("both orders appear ('{a}' and '{b}'): read {o_k} first (day_first = {x_k}); the dates only possible the "
     "other way round are on the Issues sheet.",
     "两种顺序都出现了（“{a}”和“{b}”）：按{o}在前读取（day_first = {x}）；只能按另一种顺序理解的日期列在“数据问题”工作表中。"),
    ("dates such as '{v}' fit either order throughout: read {o_k} first (day_first = {x_k}). Set day_first in "
     "Settings or use --day-first if that is wrong.",
     "整列日期（如“{v}”）两种顺序都说得通：按{o}在前读取（day_first = {x}）。如果不对，请在设置中修改 day_first 或使用 "
     "--day-first。"),
    ("{n} lines with order ids such as '{o}' are cancellations: refunds that net out, never purchases.",
     "{n} 行订单号形如“{o}”的明细是取消单：作为退款冲减消费金额，不算购买。"),
    ("Customer attributes from the order lines on sheet '{s}' ({c_q}): each customer's value is the one on its "
     "latest line that has one.",
     "客户属性取自" + _SHEET + "的订单明细（{c}）：每个客户取其最近一条有值的明细上的值。"),
    ("Customer attributes from the order lines in the order files ({c_q}): each customer's value is the one on its "
     "latest line that has one.",
     "客户属性取自订单文件中的订单明细（{c}）：每个客户取其最近一条有值的明细上的值。"),
    ("Recency in days from '{h}' on sheet '{s}': last purchase = as_of - recency (for every customer), as_of {d}.",
     "最近购买间隔天数取自" + _SHEET + "的“{h}”列：所有客户的最近购买日期 = as_of - 间隔天数，as_of 为 {d}。"),
    ("Recency in days from '{h}' on sheet '{s}': last purchase = as_of - recency (where '{h2}' is blank), as_of {d}.",
     "最近购买间隔天数取自" + _SHEET + "的“{h}”列：“{h2}”为空时，最近购买日期 = as_of - 间隔天数，as_of 为 {d}。"),
    ("Frequency = distinct order ids (lines without one count by day); monetary = net spend (refunds net out); "
     "lines of value 0 are purchases.",
     "购买频次 = 不同订单号的个数（没有订单号的明细按天计）；消费金额 = 净消费（退款已冲减）；金额为 0 的明细也算购买。"),
    ("Frequency = distinct purchase days; monetary = net spend (refunds net out); lines of value 0 are purchases.",
     "购买频次 = 有购买的不同天数；消费金额 = 净消费（退款已冲减）；金额为 0 的明细也算购买。"),
    ("Frequency = '{o}' on sheet '{s}' (all purchases, the first included); monetary = not given.",
     "购买频次 = " + _SHEET + "的“{o}”列（全部购买次数，含首次）；消费金额：未提供。"),
    ("Frequency = '{o}' on sheet '{s}' (all purchases, the first included); monetary = '{m}'.",
     "购买频次 = " + _SHEET + "的“{o}”列（全部购买次数，含首次）；消费金额 = “{m}”列。"),
    ("No purchase dates: recency, R scores, segments and stages cannot be computed.",
     "没有购买日期：无法计算最近购买间隔、R 评分、客户分群和生命周期阶段。"),
    ("as_of {d}: today (as_of = today).", "统计截止日期 {d}：今天（as_of = today）。"),
    ("as_of {d}: set by as_of.", "统计截止日期 {d}：由 as_of 设定。"),
    ("as_of {d}: given with --as-of for this run (Settings are unchanged).",
     "统计截止日期 {d}：本次运行用 --as-of 指定（设置未改动）。"),
    ("as_of {d}: as_of on sheet '{s}'.", "统计截止日期 {d}：取自" + _SHEET + "的 as_of。"),
    ("as_of {d}: today (the data has recency in days but no dates).",
     "统计截止日期 {d}：今天（数据只有最近购买间隔天数，没有日期）。"),
    ("as_of {d}: the latest purchase date in the data (dates after today are not counted).",
     "统计截止日期 {d}：数据中最近的购买日期（晚于今天的日期不计）。"),
    ("{n} customers have a negative net spend (refunds above their purchases): never Champions (Loyal Customers "
     "instead) and never Potential.",
     "{n} 个客户的净消费为负（退款多于购买）：不会被分为冠军客户（改为忠诚客户），也不会被评为潜力等级。"),
    ("Home country {h} (Settings home_country): other countries are International.",
     "本国为“{h}”（设置 home_country）：其他国家的客户为海外客户。"),
    ("Home country {h}: the most common country in the data ({n} of {m} customers); set home_country in Settings "
     "to choose another.",
     "本国为“{h}”：数据中最常见的国家（{m} 个客户中有 {n} 个）；如需改为其他国家，请在设置中填写 home_country。"),
    ("Rows: all {n} data rows used (blank and totals rows aside).", "数据行：{n} 行全部使用（空行和合计行除外）。"),
    ("Rows: {a} of {n} used, {b} not used ({r_l}).", "数据行：{n} 行中使用 {a} 行，{b} 行未使用（{r}）。"),
    ("Read '{f}' as {e} text, {sep_k}-separated, with a decimal comma (1.234,56).",
     "按 {e} 编码读取“{f}”，{sep}分隔，逗号为小数点（1.234,56）。"),
    ("Read '{f}' as {e} text, {sep_k}-separated.", "按 {e} 编码读取“{f}”，{sep}分隔。"),
    # ---------------------------------------------------------------- notes
    ("'{h}' on sheet '{s}' was not used: the metrics come from the transactions on sheet '{t}'.",
     _SHEET + "的“{h}”列未使用：各项指标由工作表“{t}”的交易明细计算。"),
    ("No last-purchase or recency column: recency, R scores, segments and stages were skipped.",
     "没有最近购买日期列或最近购买间隔列：最近购买间隔、R 评分、客户分群和生命周期阶段未计算。"),
    ("No order-count column: F scores and segments were skipped.", "没有购买次数列：F 评分和客户分群未计算。"),
    ("No spend column: M scores and value tiers were skipped.", "没有消费金额列：M 评分和价值等级未计算。"),
    ("Tag rules skipped because a field they use is not in this data: {t_c}. Add the column, or edit the rule on the "
     "Settings sheet.",
     "以下标签规则用到的字段不在本数据中，已跳过：{t}。请补充该列，或在设置工作表中修改规则。"),
    ("Predicted value (P(alive), expected purchases, CLV) skipped: {x_e}.",
     "价值预测（存活概率、预测购买次数、客户终身价值）未计算：{x}。"),
    ("Predicted value (P(alive), expected purchases, CLV) skipped: {x_t}",
     "价值预测（存活概率、预测购买次数、客户终身价值）未计算：{x}"),
    ("Predicted value (P(alive), expected purchases, CLV) skipped: {x}",
     "价值预测（存活概率、预测购买次数、客户终身价值）未计算：{x}"),
    ("the {m} fit ran off to an extreme parameter value (the data do not show enough repeat buying and drop-out "
     "to estimate the model)", "{m} 模型拟合时参数趋于极端值（数据中的复购和流失不足以估计该模型）"),
    ("the {m} fit ran off to an extreme parameter value (the spend per purchase does not vary in a way the model "
     "can describe)", "{m} 模型拟合时参数趋于极端值（每次购买金额的变化方式无法用该模型描述）"),
    ("the {m} fit ran off to an extreme parameter value", "{m} 模型拟合时参数趋于极端值"),
    ("the {m} fit did not converge", "{m} 模型拟合未收敛"),
    ("no customer has a repeat purchase with a positive spend", "没有复购且消费为正的客户"),
    ("the Gamma-Gamma fit gave q = {q} <= 1, so the expected spend per purchase is not finite (spend varies too "
     "widely between customers)", "Gamma-Gamma 模型拟合得到 q = {q} <= 1，预测客单价不是有限值（客户之间消费差异过大）"),
    ("no purchase history (it needs first and last purchase dates and a purchase count per customer, or order "
     "lines).", "没有购买记录（需要每个客户的首次和最近购买日期及购买次数，或订单明细）。"),
    ("{n} customers with a purchase history, {k} of them bought more than once; the BG/NBD model needs at least "
     "{a} customers and {b} repeat buyers.",
     "有购买记录的客户 {n} 个，其中复购客户 {k} 个；BG/NBD 模型至少需要 {a} 个客户和 {b} 个复购客户。"),
    ("{n} buyers have no prediction: a purchase date or count is missing, or the first purchase is after the last "
     "purchase or after as_of.",
     "{n} 个有购买的客户没有预测值：缺少购买日期或购买次数，或首次购买晚于最近购买或晚于统计截止日期。"),
    ("Expected spend and CLV skipped: {n} customers have a repeat purchase with a positive spend; the Gamma-Gamma "
     "model needs at least {m}.",
     "预测客单价和客户终身价值未计算：有复购且消费为正的客户只有 {n} 个；Gamma-Gamma 模型至少需要 {m} 个。"),
    ("Expected spend and CLV skipped: {x_e}.", "预测客单价和客户终身价值未计算：{x}。"),
    ("Expected spend and CLV skipped: {x}", "预测客单价和客户终身价值未计算：{x}"),
    ("Value tier method 'clv' needs the predicted CLV, but prediction is off (Settings 'predict'): tiers use 'abc' "
     "on spend instead.",
     "价值等级方法“clv”需要预测的客户终身价值，但价值预测已关闭（设置“predict”）：改按消费金额用“abc”方法分级。"),
    ("Value tier method 'clv' needs the predicted CLV, but there is no CLV (see the notes): tiers use 'abc' on "
     "spend instead.",
     "价值等级方法“clv”需要预测的客户终身价值，但没有该预测值（见说明）：改按消费金额用“abc”方法分级。"),
    ("The P(alive) churn rule (Settings 'palive_warning') was not applied: there is no P(alive).",
     "存活概率流失规则（设置 palive_warning）未应用：没有存活概率。"),
    ("The Customers sheet shows {a} of {b} customers: those on the customer sheet, then the most valuable (a sheet "
     "holds {c} rows). Every customer's result: --customers-out FILE.",
     "客户明细表显示 {b} 个客户中的 {a} 个：先是客户表上的客户，再是消费最高的客户（一个工作表最多 {c} 行）。"
     "全部客户的结果：--customers-out 文件。"),
    ("Formulas need a customer sheet: the results were written as values.", "公式模式需要客户表：结果已按数值写入。"),
    ("Formulas need last-purchase, order-count and spend columns on the customer sheet (or a transaction sheet): "
     "the results were written as values.",
     "公式模式需要客户表上有最近购买日期、购买次数和消费金额列（或有交易明细表）：结果已按数值写入。"),
    ("{a} of {b} order lines skipped: {r_l}.", "{b} 行订单明细中跳过 {a} 行：{r}。"),
    ("{n} order lines dated after as_of {d} not counted (a customer with no earlier line is a Prospect).",
     "{n} 行订单明细的日期晚于统计截止日期 {d}，未计入（没有更早明细的客户为潜在客户）。"),
    ("{n} order lines dated after today ({d}) not counted (a customer with no earlier line is a Prospect).",
     "{n} 行订单明细的日期晚于今天（{d}），未计入（没有更早明细的客户为潜在客户）。"),
    ("no customer has a purchase to classify.", "没有可分类的有购买客户。"),
    ("Orders: {f} file aggregated by {e} to {n} customers (frequency by order ids).",
     "订单：{f} 个文件由 {e} 汇总为 {n} 个客户（购买频次按订单号计）。"),
    ("Orders: {f} file aggregated by {e} to {n} customers (frequency by purchase days).",
     "订单：{f} 个文件由 {e} 汇总为 {n} 个客户（购买频次按购买天数计）。"),
    ("Orders: {f} files aggregated by {e} to {n} customers (frequency by order ids).",
     "订单：{f} 个文件由 {e} 汇总为 {n} 个客户（购买频次按订单号计）。"),
    ("Orders: {f} files aggregated by {e} to {n} customers (frequency by purchase days).",
     "订单：{f} 个文件由 {e} 汇总为 {n} 个客户（购买频次按购买天数计）。"),
    # ---------------------------------------------------------------- warnings
    ("{n} of {m} rows ({p}) were not used. Top reasons: {r_l}. See the Issues sheet.",
     "{m} 行中有 {n} 行（{p}）未使用。主要原因：{r}。详见“数据问题”工作表。"),
    # ---------------------------------------------------------------- data-quality problems (Issues sheet)
    ("date written as text", "日期是文本"),
    ("date written as a number", "日期是数字"),
    ("date written day first", "日期为日在前"),
    ("date written month first", "日期为月在前"),
    ("not a date", "不是日期"),
    ("date out of range", "日期超出范围"),
    ("amount written as text", "金额是文本"),
    ("not an amount", "不是金额"),
    ("count written as text", "次数是文本"),
    ("not a count", "不是次数"),
    ("not a whole number", "不是整数"),
    ("negative count", "次数为负"),
    ("blank", "空白"),
    ("id too long for an Excel number", "编号太长，超出 Excel 数字精度"),
    ("totals row", "合计行"),
    ("no customer id", "没有客户编号"),
    ("not a customer id (TRUE/FALSE)", "不是客户编号（TRUE/FALSE）"),
    ("not a customer id (a date)", "不是客户编号（是日期）"),
    ("error value {e}", "错误值 {e}"),
    ("negative amount", "金额为负"),
    ("cancellation (order id starting with C)", "取消单（订单号以 C 开头）"),
    ("dated after as_of {d}", "日期晚于统计截止日期 {d}"),
    ("dated after today ({d})", "日期晚于今天（{d}）"),
    ("customer id not on sheet '{s}'", "客户编号不在工作表“{s}”中"),
    ("duplicate customer id (first on row {r})", "客户编号重复（首次出现在第 {r} 行）"),
    ("last purchase after as_of {d}", "最近购买日期晚于统计截止日期 {d}"),
    ("has orders but no last purchase date", "有购买次数但没有最近购买日期"),
    ("{n} more rows with the same problem", "另有 {n} 行同样的问题"),
    ("override of (no id): no customer id", "人工调整：没有客户编号"),
    ("override of {c}: no customer id", "人工调整（{c}）：没有客户编号"),
    ("override for unknown customer id '{c}'", "人工调整的客户编号“{c}”不存在"),
    ("override of {c}: '{f}' is not a field that can be overridden", "人工调整（{c}）：“{f}”不是可调整的字段"),
    ("override of {c}: '{v}' is not a {f_h}", "人工调整（{c}）：“{v}”不是有效的{f}"),
    ("override of {c} ({f_h} -> {v}) has no reason", "人工调整（{c}，{f} → {v}）没有填写原因"),
    ("second override of {f_h} for '{c}' (first on row {r})", "“{c}”的{f}被重复调整（第一次在第 {r} 行）"),
    # ---------------------------------------------------------------- actions (Issues sheet)
    ("first row: {x_t}", "首行：{x}"),
    ("row skipped; {x_t}", "该行已跳过；{x}"),
    ("left blank; {x_t}", "按空白处理；{x}"),
    ("row skipped", "该行已跳过"),
    ("skipped", "已跳过"),
    ("counted as blank", "按空白处理"),
    ("use YYYY-MM-DD or an Excel date", "请用 YYYY-MM-DD 或 Excel 日期"),
    ("use a date between 1900 and 2199", "请用 1900 至 2199 年之间的日期"),
    ("use a number such as 1234.50", "请用数字，如 1234.50"),
    ("use a whole number, 0 or more", "请用大于等于 0 的整数"),
    ("read as {v} (month/day/year)", "读作 {v}（月/日/年）"),
    ("read as {v} (day/month/year)", "读作 {v}（日/月/年）"),
    ("read as {v} (Excel serial)", "读作 {v}（Excel 日期序号）"),
    ("read as {v} (yyyymmdd)", "读作 {v}（yyyymmdd）"),
    ("read as {v}", "读作 {v}"),
    ("kept as {v}; format the id column as text so no digits are lost",
     "保留为 {v}；请把编号列设为文本格式，以免丢失位数"),
    ("same for {n} more rows (not listed)", "另有 {n} 行相同（未列出）"),
    ("not counted (a customer with no earlier line is a Prospect)", "未计入（没有更早明细的客户为潜在客户）"),
    ("classified from its transactions; listed on the Customers sheet only", "按其交易明细分类；只列在客户明细表中"),
    ("classified once, from row {r}; this row gets the same result", "只按第 {r} 行分类一次；本行结果与之相同"),
    ("recency counted as 0", "最近购买间隔按 0 天计"),
    ("recency, segment and stage left blank", "最近购买间隔、客户分群和生命周期阶段留空"),
    ("counted as a refund: netted out of the customer's spend, not counted as a purchase",
     "按退款处理：冲减该客户的消费金额，不算购买"),
    ("override ignored; fill in Customer ID", "未采用该调整；请填写客户编号"),
    ("override ignored; use an id from the customer sheet", "未采用该调整；请使用客户表中的编号"),
    ("override ignored; use Segment, Value Tier or Stage", "未采用该调整；字段请填客户分群、价值等级或生命周期阶段"),
    ("override ignored; use one of: {v_w}", "未采用该调整；请使用以下之一：{v}"),
    ("override ignored; write why in the Reason column", "未采用该调整；请在原因列中写明原因"),
    ("ignored; the first one applies", "已忽略；以第一次调整为准"),
    # ---------------------------------------------------------------- the items of a list (``{x_l}``)
    ("{n} no customer id in '{h}'", "{n} 行“{h}”列没有客户编号"),
    ("{n} a totals line (Total, 合计 ...)", "{n} 行是合计行（Total、合计……）"),
    ("{n} '{h}' is not a date (use YYYY-MM-DD or a date column)", "{n} 行“{h}”不是日期（请用 YYYY-MM-DD 或日期列）"),
    ("{n} the amount is not a number", "{n} 行金额不是数字"),
    ("{x_t} ({n}, '{c}')", "{x}（{n} 行，“{c}”列）"),
    ("{x_t} ({n})", "{x}（{n} 行）"),
]
ITEMS = CATALOG[-6:]  # tried first for a list's items: "error value #N/A (1, 'Amount')" is an item, not a value
FITS = [(en, zh) for en, zh in CATALOG if " fit " in en or en.startswith("no customer has a repeat")]
"""Why a model could not be fitted (``bgnbd.FitError``, ``{x_e}``): said only after "skipped: "."""


@lru_cache(maxsize=None)
def _compiled(items: bool = False, fits: bool = False) -> list:
    out = []
    for en, zh in (ITEMS if items else FITS if fits else CATALOG):
        parts, names = [], []
        for i, piece in enumerate(re.split(r"\{(\w+)\}", en)):
            if i % 2:
                names.append(piece)
                parts.append(f"(?P<{piece}>.+?)")
            else:
                parts.append(re.escape(piece))
        out.append((re.compile("".join(parts), re.S), names, zh))
    return out


def _quoted(text: str) -> str | None:
    """``'A', 'B' and 'C'`` -> ``“A”、“B”和“C”``; None when it is not a list of quoted names."""
    m = re.fullmatch(r"'(.*)'", text.strip(), re.S)
    if m is None:
        return None
    inner = m.group(1).replace("' and '", "”和“").replace("', '", "”、“")
    return f"“{inner}”"


def _mapping(text: str) -> str | None:
    """``'CustomerID' -> customer_id, 'Date' -> date`` -> ``“CustomerID”→客户编号，“Date”→日期``."""
    items = re.findall(r"'(.+?)' -> (\w+)(?:, (?=')|$)", text)
    if not items or ", ".join(f"'{h}' -> {f}" for h, f in items) != text:
        return None
    return "，".join(f"“{h}”→{FIELDS.get(f, f)}" for h, f in items)


def _header(text: str) -> str | None:
    key = next((k for k, (en, _zh) in L.HEADERS.items() if en == text), None)
    return None if key is None else L.HEADERS[key][1]


def _labels(text: str) -> str | None:
    """``Prospect, Lost, Active`` (labels of segments, tiers or stages) -> ``潜在客户、流失客户、活跃客户``."""
    words = {en: zh for table in L.KINDS.values() for en, zh in table.values()}
    items = [words.get(w) for w in text.split(", ")]
    return None if None in items else "、".join(items)


def _zh(text: str, items: bool = False) -> str | None:
    """The Chinese of an English sentence of the catalogue (``items``: a list's item first), or None."""
    if items:
        got = _zh_of(text, _compiled(True))
        if got is not None:
            return got
    return _zh_of(text, _compiled())


def _zh_of(text: str, patterns: list) -> str | None:
    for pattern, names, zh in patterns:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        values = {}
        for name in names:
            raw = m.group(name)
            kind = name.rsplit("_", 1)[1] if "_" in name else ""
            if kind == "t":
                got = _zh(raw)
            elif kind == "l":
                items = [_zh(item, items=True) for item in raw.split("; ")]
                got = None if None in items else "；".join(items)
            elif kind == "q":
                got = _quoted(raw)
            elif kind == "k":
                got = WORDS.get(raw)
            elif kind == "h":
                got = _header(raw)
            elif kind == "e":
                got = _zh_of(raw, _compiled(fits=True))
            elif kind == "w":
                got = _labels(raw)
            elif kind == "c":
                got = raw.replace(", ", "、")
            elif kind == "f":
                got = FIELDS.get(raw, raw)
            elif kind == "m":
                got = _mapping(raw)
            else:
                got = raw
            if got is None:
                break
            values[name.rsplit("_", 1)[0] if kind else name] = got
        else:
            return zh.format(**values)
    return None


def say(text, lang: str):
    """``text`` (an English sentence of a run) in ``lang``; unchanged when it is not a string, already in that
    language, or not in the catalogue."""
    if lang == "en" or not isinstance(text, str) or not text:
        return text
    return _zh(text) or text
