"""Fixed facts of the Chinese holiday system that the fallback calendar relies on."""

# Statutory holidays that fall on the same Gregorian date every year
# (全国年节及纪念日放假办法, as revised in 2024). The lunar holidays (春节, 清明, 端午, 中秋)
# and every 调休 arrangement are only known once the State Council publishes the year.
FIXED_DATE_HOLIDAYS: frozenset[tuple[int, int]] = frozenset(
    {
        (1, 1),  # 元旦
        (5, 1),  # 劳动节
        (5, 2),  # 劳动节
        (10, 1),  # 国庆节
        (10, 2),  # 国庆节
        (10, 3),  # 国庆节
    }
)
