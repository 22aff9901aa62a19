"""Word pools for synthetic customers: cities, regions, countries, industries, names, brands."""

from __future__ import annotations

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

