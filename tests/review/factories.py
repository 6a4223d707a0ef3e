"""Builders for review tests: dictionaries with terms, straight into the database."""

from gongkai.review.models import Dictionary, Term


def make_dictionary(organization=None, name="测试词库", terms=()):
    """terms: (text, category, severity, suggestion) tuples."""
    dictionary = Dictionary.objects.create(organization=organization, name=name)
    for text, category, severity, *rest in terms:
        Term.objects.create(
            dictionary=dictionary,
            text=text,
            category=category,
            severity=severity,
            suggestion=(rest or [""])[0],
        )
    return dictionary
