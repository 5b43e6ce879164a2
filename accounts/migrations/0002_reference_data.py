"""Provinces (GB/T 2260, spec §8.5) and the agency hierarchy's upper levels.

The data is written out here, not imported from application code, so this migration
keeps meaning the same thing whatever the code becomes later.
"""

from django.db import migrations

PROVINCES = [
    ("11", "北京市", "Beijing"),
    ("12", "天津市", "Tianjin"),
    ("13", "河北省", "Hebei"),
    ("14", "山西省", "Shanxi"),
    ("15", "内蒙古自治区", "Inner Mongolia"),
    ("21", "辽宁省", "Liaoning"),
    ("22", "吉林省", "Jilin"),
    ("23", "黑龙江省", "Heilongjiang"),
    ("31", "上海市", "Shanghai"),
    ("32", "江苏省", "Jiangsu"),
    ("33", "浙江省", "Zhejiang"),
    ("34", "安徽省", "Anhui"),
    ("35", "福建省", "Fujian"),
    ("36", "江西省", "Jiangxi"),
    ("37", "山东省", "Shandong"),
    ("41", "河南省", "Henan"),
    ("42", "湖北省", "Hubei"),
    ("43", "湖南省", "Hunan"),
    ("44", "广东省", "Guangdong"),
    ("45", "广西壮族自治区", "Guangxi"),
    ("46", "海南省", "Hainan"),
    ("50", "重庆市", "Chongqing"),
    ("51", "四川省", "Sichuan"),
    ("52", "贵州省", "Guizhou"),
    ("53", "云南省", "Yunnan"),
    ("54", "西藏自治区", "Tibet (Xizang)"),
    ("61", "陕西省", "Shaanxi"),
    ("62", "甘肃省", "Gansu"),
    ("63", "青海省", "Qinghai"),
    ("64", "宁夏回族自治区", "Ningxia"),
    ("65", "新疆维吾尔自治区", "Xinjiang"),
    ("66", "新疆生产建设兵团", "Xinjiang Production and Construction Corps (XPCC)"),
]

# (division code, name, level, parent division code, province code)
LOWER_AGENCIES = [
    ("110100", "北京市市辖区社会保险经办机构", 3, "110000", "11"),
    ("110105", "北京市朝阳区社会保险经办机构", 4, "110100", "11"),
    ("310100", "上海市市辖区社会保险经办机构", 3, "310000", "31"),
    ("310115", "上海市浦东新区社会保险经办机构", 4, "310100", "31"),
    ("310115005", "浦东新区潍坊新村街道社区事务受理服务中心", 5, "310115", "31"),
    ("410100", "郑州市社会保险经办机构", 3, "410000", "41"),
    ("410105", "郑州市金水区社会保险经办机构", 4, "410100", "41"),
    ("440100", "广州市社会保险经办机构", 3, "440000", "44"),
    ("440106", "广州市天河区社会保险经办机构", 4, "440100", "44"),
    ("440300", "深圳市社会保险经办机构", 3, "440000", "44"),
    ("440305", "深圳市南山区社会保险经办机构", 4, "440300", "44"),
]


def load(apps, schema_editor):
    Province = apps.get_model("accounts", "Province")
    Agency = apps.get_model("accounts", "Agency")
    Province.objects.bulk_create(
        Province(code=code, name_zh=zh, name_en=en, valid_in_id_numbers=code != "66")
        for code, zh, en in PROVINCES
    )
    national = Agency.objects.create(
        name="人力资源和社会保障部社会保险事业管理中心", level=1, division_code="000000"
    )
    by_code = {"000000": national}
    for code, zh, _en in PROVINCES:
        by_code[f"{code}0000"] = Agency.objects.create(
            name=f"{zh}社会保险经办机构",
            level=2,
            parent=national,
            province_id=code,
            division_code=f"{code}0000",
        )
    for division_code, name, level, parent_code, province_code in LOWER_AGENCIES:
        by_code[division_code] = Agency.objects.create(
            name=name,
            level=level,
            parent=by_code[parent_code],
            province_id=province_code,
            division_code=division_code,
        )


def unload(apps, schema_editor):
    Agency = apps.get_model("accounts", "Agency")
    for level in (5, 4, 3, 2, 1):  # children first: parents are protected
        Agency.objects.filter(level=level).delete()
    apps.get_model("accounts", "Province").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
