"""Which column holds what: target fields, header names in Chinese and English, and values of
the classification scales accepted in either language."""

from __future__ import annotations

import re
from functools import cache

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..classification import (
    CATEGORIES,
    GENDERS,
    GRADES,
    IMPORTANCE,
    NATURES,
    OUTCOMES,
    STAGES,
    STATUSES,
)

# target field -> label (the mapping screen, the export's headers)
FIELDS = {
    "name": _l("Company name"),
    "website": _l("Website"),
    "country": _l("Country / region"),
    "address": _l("Address"),
    "nature": _l("Customer type"),
    "grade": _l("Grade"),
    "importance": _l("Importance"),
    "category": _l("Category"),
    "status": _l("Status"),
    "industry": _l("Industry and main business"),
    "products": _l("Products"),
    "needs": _l("Needs and intentions"),
    "remarks": _l("Remarks"),
    "owner": _l("Salesperson"),
    "sincerity": _l("Sincerity (%)"),
    "stages": _l("Stages"),
    "forecast_product": _l("Forecast product"),
    "forecast_unit_price": _l("Forecast unit price"),
    "forecast_currency": _l("Forecast currency"),
    "forecast_deal_date": _l("Forecast deal date"),
    "forecast_purchase_method": _l("Forecast purchase method"),
    "turnover_current": _l("Current turnover"),
    "turnover_previous": _l("Previous turnover"),
    "turnover_currency": _l("Turnover currency"),
    "first_deal_date": _l("First deal date"),
    "order_amount": _l("Order amount"),
    "order_currency": _l("Order currency"),
    "reorder_count": _l("Reorders"),
    "order_remarks": _l("Order remarks"),
    "outcome": _l("Outcome"),
    "give_up_reason": _l("Reason for giving up"),
    "win_notes": _l("Why we won"),
    "self_review": _l("Self review"),
    "contact_name": _l("Contact name"),
    "contact_title": _l("Contact title"),
    "contact_gender": _l("Contact gender"),
    "contact_email": _l("Contact email"),
    "contact_phone": _l("Contact phone"),
    "contact_mobile": _l("Contact mobile"),
    "contact_qq": _l("Contact QQ"),
    "contact_wechat": _l("Contact WeChat"),
    "contact_other": _l("Contact other (WhatsApp, Skype…)"),
    "contact_age": _l("Contact age"),
    "contact_birthday": _l("Contact birthday"),
    "contact_address": _l("Contact home address"),
    "contact_hobbies": _l("Contact hobbies"),
    "contact_role": _l("Contact role in the deal"),
    "contact_decision_maker": _l("Contact is decision maker"),
    "log": _l("Follow-up log"),
}
CUSTOMER_TEXT = ("website", "address", "industry", "products", "needs", "remarks")

# Header names seen in teams' sheets (compared folded: lower case, no spaces or punctuation).
SYNONYMS = {
    "name": ["公司名称", "公司", "公司名", "客户名称", "客户", "客户公司", "company", "companyname",
             "customer", "customername", "client", "account"],
    "website": ["网址", "网站", "公司网址", "公司网站", "website", "web", "url", "homepage", "site"],  # noqa: E501
    "country": ["国家", "国家地区", "地区", "国别", "country", "countryregion", "region", "nation"],
    "address": ["地址", "公司地址", "address"],
    "nature": ["类型", "性质", "客户性质", "公司性质", "客户类型", "公司类型", "type", "nature",
               "companytype", "customertype", "businesstype"],
    "grade": ["等级", "客户等级", "级别", "客户级别", "grade", "level", "class", "customergrade"],
    "importance": ["重要性", "重要程度", "重要度", "重要", "星级", "importance", "priority"],
    "category": ["类别", "客户类别", "客户分类", "分类", "category", "customercategory"],
    "status": ["状态", "客户状态", "status"],
    "industry": ["行业", "主营", "主营业务", "行业及主营业务", "industry", "business"],
    "products": ["产品", "主营产品", "意向产品", "询价产品", "product", "products", "item", "items"],  # noqa: E501
    "needs": ["需求", "客户需求", "客户需求及意向", "needs", "requirement", "requirements"],
    "remarks": ["备注", "说明", "remark", "remarks", "note", "notes", "comment", "comments"],
    "owner": ["业务员", "跟进人", "负责人", "销售", "salesperson", "sales", "owner", "salesman"],
    "contact_name": ["联系人", "姓名", "联系人姓名", "联系人名字", "name", "contact",
                     "contactname", "contactperson", "person"],
    "contact_title": ["职务", "职位", "title", "position", "jobtitle"],
    "contact_gender": ["性别", "gender", "sex"],
    "contact_email": ["邮箱", "电子邮件", "电子邮箱", "邮件", "电邮", "email", "mail", "emailaddress"],  # noqa: E501
    "contact_phone": ["电话", "座机", "固话", "联系电话", "phone", "tel", "telephone", "phoneno"],
    "contact_mobile": ["手机", "手机号", "手机号码", "mobile", "cell", "cellphone", "mobilephone"],
    "contact_qq": ["qq", "qq号"],
    "contact_wechat": ["微信", "微信号", "wechat", "weixin"],
    "contact_other": ["其他联系方式", "其他", "whatsapp", "skype", "other"],
    "contact_age": ["年龄", "age", "联系人年龄"],
    "contact_birthday": ["生日", "出生日期", "birthday", "dateofbirth", "dob", "联系人生日"],
    "contact_address": ["住址", "家庭住址", "homeaddress", "联系人住址"],
    "contact_hobbies": ["爱好", "兴趣爱好", "生日及其爱好", "hobbies", "hobby", "interests"],
    "contact_role": ["关系作用", "关系、作用", "作用", "role"],
    "contact_decision_maker": ["决策人", "decisionmaker"],
    "sincerity": ["诚指数", "诚意", "sincerity"],
    "stages": ["发展", "发展阶段", "进度", "stage", "stages"],
    "turnover_current": ["在营业额", "营业额", "turnover"],
    "turnover_previous": ["前营业额"],
    "first_deal_date": ["首单日期", "成交日期", "firstorder"],
    "order_amount": ["订单金额", "成交金额", "orderamount"],
    "reorder_count": ["返单次数", "返单", "reorders"],
    "outcome": ["跟踪结果", "结果", "outcome"],
    "log": ["跟进记录", "跟进情况", "跟踪记录", "跟踪情况", "跟进", "跟踪", "记录", "沟通记录",
            "进展", "log", "followup", "followuplog", "followups", "history", "progress", "record"],
}  # fmt: skip

_FOLD_RE = re.compile(r"[\s\-_/:：()（）.·*#]+")


def fold(text: object) -> str:
    return _FOLD_RE.sub("", str(text)).casefold()


@cache
def _header_index() -> dict[str, str]:
    """Folded header name -> field: the synonyms plus each field's own label in both languages
    (so a sheet this app exported is recognised whatever language it was exported in)."""
    index: dict[str, str] = {}
    for locale in ("en", "zh"):
        with force_locale(locale):
            for field, label in FIELDS.items():
                index.setdefault(fold(str(label)), field)
    for field, names in SYNONYMS.items():
        for name in names:
            index[fold(name)] = field
    return index


def field_for_header(header: object) -> str | None:
    if header is None or not str(header).strip():
        return None
    return _header_index().get(fold(header))


def header_score(row: list) -> int:
    """How many cells of a row are known column names (the header row scores highest)."""
    return sum(1 for v in row if isinstance(v, str) and field_for_header(v))


def guess_mapping(headers: list[str]) -> list[str]:
    """One target per column ("" = ignore); a field is taken by its first column only."""
    taken: set[str] = set()
    mapping = []
    for header in headers:
        field = field_for_header(header)
        if field and field not in taken:
            taken.add(field)
            mapping.append(field)
        else:
            mapping.append("")
    return mapping


# --- scale values in either language ------------------------------------------------------------

_EXTRA_VALUES = {
    "importance": {
        "一般": "normal", "普通": "normal", "一星": "normal", "★": "normal", "1": "normal",
        "重要": "important", "二星": "important", "★★": "important", "2": "important",
        "非常重要": "very_important", "很重要": "very_important", "特别重要": "very_important",
        "三星": "very_important", "★★★": "very_important", "3": "very_important",
        "veryimportant": "very_important", "high": "very_important", "medium": "important",
        "low": "normal",
    },
    "nature": {
        "贸易公司": "trading", "贸易商": "trading", "trading": "trading", "trader": "trading",
        "采购办": "buying_office", "采购办事处": "buying_office", "买家": "buyer",
        "个人": "personal", "工厂": "manufacturer", "生产商": "manufacturer",
        "制造商": "manufacturer", "factory": "manufacturer", "importer": "buyer",
        "wholesaler": "buyer", "retailer": "buyer", "distributor": "buyer",
    },
    "category": {
        "准客户": "ready", "意向客户": "intent", "优质潜在客户": "quality_prospect",
        "潜在客户": "prospect", "一般潜在客户": "prospect", "普通潜在客户": "prospect",
    },
    "contact_gender": {"男": "male", "女": "female", "m": "male", "f": "female",
                       "先生": "male", "女士": "female", "小姐": "female"},
}  # fmt: skip

SCALE_FOR_FIELD = {
    "nature": NATURES,
    "importance": IMPORTANCE,
    "category": CATEGORIES,
    "status": STATUSES,
    "contact_gender": GENDERS,
    "outcome": OUTCOMES,
    "stages": STAGES,
}


@cache
def _value_index(field: str) -> dict[str, str]:
    scale = SCALE_FOR_FIELD[field]
    index = {fold(code): code for code in scale}
    for locale in ("en", "zh"):
        with force_locale(locale):
            for code, label in scale.items():
                index.setdefault(fold(str(label)), code)
    index.update({fold(k): v for k, v in _EXTRA_VALUES.get(field, {}).items()})
    return index


def scale_value(field: str, text: str) -> str | None:
    """The stored code for a scale value typed in Chinese or English; None when unknown."""
    return _value_index(field).get(fold(text))


_GRADE_RE = re.compile(r"^([ABCD])(?:级|类|等|grade|class)?$", re.IGNORECASE)


def grade_value(text: str) -> str | None:
    """'A', 'a', 'A级', 'Grade A', or a label of the scale."""
    folded = fold(text)
    folded = folded.removeprefix("grade").removeprefix("等级")
    match = _GRADE_RE.match(folded)
    if match:
        return match.group(1).upper()
    return _grade_labels().get(fold(text))


@cache
def _grade_labels() -> dict[str, str]:
    with force_locale("en"):
        return {fold(str(label)): code for code, label in GRADES.items()}
