"""What xlseg's sheets say and how they look: owned sheets' titles, column keys, labels (en, zh), formats, widths."""

from __future__ import annotations

from xlseg.core import labels as L

OWNED = ("summary", "customers", "tags", "issues", "settings", "history", "migration", "data")
TITLES = {
    "summary": ("Summary", "汇总"),
    "customers": ("Customers", "客户明细"),
    "tags": ("Tags", "标签明细"),
    "issues": ("Issues", "数据问题"),
    "settings": ("Settings", "设置"),
    "history": ("Run History", "历史记录"),  # issue 7 ("History" is a name Excel reserves)
    "migration": ("Migration", "客户迁移"),  # issue 7
    "data": ("xlseg data", "xlseg 数据"),  # issue 13: the cleaned values the formulas read (hidden)
}
CUSTOMER_KEYS = ("customer_id", "name", "recency", "frequency", "monetary", "avg_order_value", "first_purchase",
                 "last_purchase", "r_score", "f_score", "m_score", "rfm", "segment", "value_tier", "stage", "tags",
                 "override", "why")
# issue 15: after the others on the Customers sheet, only when the engine fitted the model.
PREDICTION_KEYS = ("p_alive", "expected_purchases", "expected_spend", "clv")
FORMATS = {
    "recency": "0", "frequency": "0", "monetary": "#,##0.00", "avg_order_value": "#,##0.00",
    "first_purchase": "yyyy-mm-dd", "last_purchase": "yyyy-mm-dd", "r_score": "0", "f_score": "0", "m_score": "0",
    "p_alive": "0.0%", "expected_purchases": "0.00", "expected_spend": "#,##0.00", "clv": "#,##0.00",
}
WIDTHS = {"customer_id": 13, "name": 26, "recency": 10, "frequency": 11, "monetary": 13, "avg_order_value": 13,
          "first_purchase": 13, "last_purchase": 13, "r_score": 9, "f_score": 9, "m_score": 9, "rfm": 7,
          "segment": 22, "value_tier": 14, "stage": 15, "tags": 36, "override": 30, "why": 60,
          "p_alive": 10, "expected_purchases": 12, "expected_spend": 14, "clv": 13}
TEXT = {
    "title": ("Customer segments", "客户分群汇总"),
    "as_of": ("As of", "统计截止日期"),
    "generated": ("Generated", "生成时间"),
    "kpis": ("Key figures", "关键指标"),
    "segments": ("Segments", "客户分群"),
    "tiers": ("Value tiers", "价值等级"),
    "tier_stage": ("Value tier × stage (customers)", "价值等级 × 生命周期阶段（客户数）"),
    "tags": ("Tags", "标签"),
    "cuts": ("Score cut points used", "评分分界点"),
    "notes": ("Notes", "说明"),
    "chart_segments": ("Customers by segment", "各分群客户数"),
    "chart_tiers": ("Revenue by value tier", "各价值等级消费金额"),
    "tag": ("Tag", "标签"), "customers": ("Customers", "客户数"), "share": ("Share", "占比"),
    "revenue": ("Revenue", "消费金额"), "revenue_share": ("Share of revenue", "金额占比"),
    "metric": ("Metric", "指标"), "score": ("Score", "评分"), "min": ("Lowest value", "最小值"),
    "max": ("Highest value", "最大值"), "rule": ("Rule", "规则"),
    "issues_note": ("{n} kinds of data-quality findings: see the {sheet} sheet.",
                    "发现 {n} 类数据问题，详见“{sheet}”工作表。"),
    "no_issues": ("No data-quality problems found.", "未发现数据问题。"),
    "overrides": ("Manual overrides", "人工调整"), "field": ("Field", "字段"), "value": ("Value", "值"),
    "was": ("Computed", "系统计算值"), "reason": ("Reason", "原因"),
    "none": ("(none)", "（无）"),
    "issue_head": (("Sheet", "Column", "Problem", "Rows", "First rows", "Values", "Action"),
                   ("工作表", "列", "问题", "行数", "前几行", "值", "处理")),
    # issue 11: what the run understood, and what may make it wrong
    "understood": ("What xlseg understood", "xlseg 的理解"),
    "warnings": ("Warnings", "警告"),
    "skipped_table": ("Not computed: {why}", "未计算：{why}"),
    # issue 15: predicted value
    "model": ("Predicted value: fitted models", "价值预测：模型参数"),
    "model_head": (("Model", "Parameter", "Value", "Unit", "Customers in fit"),
                   ("模型", "参数", "估计值", "单位", "参与拟合客户数")),
    "days": ("days", "天"),
    "model_note": ("P(alive): chance the customer still buys (BG/NBD). Expected Purchases: next {days} days. "
                   "CLV: expected purchases over the next {months} months x Expected Spend per Purchase "
                   "(Gamma-Gamma), discounted {rate} a month.",
                   "存活概率：客户仍会购买的概率（BG/NBD）。预测购买次数：未来 {days} 天。客户终身价值：未来 "
                   "{months} 个月的预测购买次数 x 预测客单价（Gamma-Gamma），每月折现 {rate}。"),
    "calibration": ("Model check: customers by repeat purchases", "模型检验：按复购次数的客户数"),
    "calibration_head": (("Repeat purchases", "Actual customers", "Expected by the model"),
                         ("复购次数", "实际客户数", "模型预期客户数")),
}


def _t(key: str, lang: str):
    return TEXT[key][L.LANGS.index(lang)]
