"""The decision and policy forms of the approval pages; the services do the checks that
matter (who may, a reason to reject), the forms only what a person types."""

from __future__ import annotations

from django import forms

from portal.accounts.models import Role

from .models import ApprovalPolicy
from .services import POLICY_FIELDS

#: The roles a policy may hold requests of (viewers request nothing).
POLICY_ROLES = [(Role.ADMIN.value, Role.ADMIN.label), (Role.OPERATOR.value, Role.OPERATOR.label)]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", "Approve"), ("reject", "Reject")))
    reason = forms.CharField(max_length=500, required=False, strip=True)

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class ApprovalPolicyForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=POLICY_ROLES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Roles whose requests need approval.",
    )

    class Meta:
        model = ApprovalPolicy
        fields = list(POLICY_FIELDS)
        labels = {
            "seats_above": "Seat increase above (seats)",
            "seats_above_percent": "Seat increase above (%)",
            "amount_above": "Monthly price above",
            "expires_after_hours": "Expires after (hours)",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        reseller = self.fields["reseller"]
        assert isinstance(reseller, forms.ModelChoiceField)
        reseller.empty_label = "Everyone (the distributor's default)"

    def clean_reseller(self):
        """One policy per reseller and one default: the database's constraint, said plainly."""
        reseller = self.cleaned_data["reseller"]
        others = ApprovalPolicy.objects.filter(reseller=reseller).exclude(pk=self.instance.pk)
        if others.exists():
            whose = reseller.name if reseller else "everyone (the default)"
            raise forms.ValidationError(
                f"There is already a policy for {whose}: edit that one instead."
            )
        return reseller
