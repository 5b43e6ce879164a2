"""Forms of the insured person's pages."""

from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal.fields import ID_NUMBER_PATTERN


def _id_number_field() -> forms.RegexField:
    return forms.RegexField(
        label=_("ID number"),
        regex=ID_NUMBER_PATTERN,
        max_length=18,
        error_messages={"invalid": _("An ID number is 17 digits followed by a digit or X.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "text"}),
    )


class PersonSignInForm(AuthenticationForm):
    """Sign-in with the ID number and a password; only insured persons sign in here."""

    username = _id_number_field()
    error_messages = {
        "invalid_login": _("The ID number or the password is not right."),
        "inactive": _("This account is closed."),
        "not_a_person": _("Caseworkers sign in at the caseworker administration."),
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].upper()

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if getattr(user, "insured_person", None) is None:
            raise forms.ValidationError(self.error_messages["not_a_person"], code="not_a_person")


class ActivationStartForm(forms.Form):
    id_number = _id_number_field()
    name = forms.CharField(label=_("Name"), max_length=50)


class ActivationFinishForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from the text message"),
        regex=r"^[0-9]{6}$",
        error_messages={"invalid": _("The code has six digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("New password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class TransferApplicationForm(forms.Form):
    """A transfer of the months paid in one province to the province insured in now."""

    from_province = forms.ChoiceField(label=_("Move the months paid in"))
    to_province = forms.ChoiceField(label=_("To the province where I am insured now"))

    def __init__(
        self, *args, sending: list[tuple[str, str]], receiving: list[tuple[str, str]], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_province"].choices = sending
        self.fields["to_province"].choices = receiving


class EstimateAssumptionsForm(forms.Form):
    """The assumptions of the estimate, each the person's to change (percentages as shown)."""

    retirement = forms.ChoiceField(label=_("Retirement month"))
    base_index = forms.DecimalField(
        label=_("Future contribution base, as a multiple of the average wage"),
        min_value=Decimal("0.6"),
        max_value=Decimal("3"),
        decimal_places=2,
    )
    wage_growth = forms.DecimalField(
        label=_("Average wage growth a year (%)"),
        min_value=Decimal("0"),
        max_value=Decimal("10"),
        decimal_places=2,
    )
    crediting_rate = forms.DecimalField(
        label=_("Crediting rate of the personal account a year (%)"),
        min_value=Decimal("0"),
        max_value=Decimal("10"),
        decimal_places=2,
    )

    def __init__(self, *args, months: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["retirement"].choices = [(month, month) for month in months]


class CorrectionReportForm(forms.Form):
    """A month of the record the person says is wrong (核对申请)."""

    province = forms.ChoiceField(label=_("Province"))
    month = forms.RegexField(
        label=_("Month (YYYY-MM)"),
        regex=r"^(19|20)\d\d-(0[1-9]|1[0-2])$",
        max_length=7,
        error_messages={"invalid": _("Write the month as YYYY-MM, e.g. 2024-05.")},
    )
    report = forms.CharField(
        label=_("What is wrong with this month"), max_length=1000, widget=forms.Textarea
    )

    def __init__(self, *args, provinces: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = provinces
