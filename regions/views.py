from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token


@login_required
def account(request):
    """The user's own page: role, region, and the API token (create, replace or revoke)."""
    token = Token.objects.filter(user=request.user).first()
    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            Token.objects.filter(user=request.user).delete()
            messages.success(request, _("Your API token was revoked; it no longer works."))
            return redirect("account")
        # Replacing is delete + create, so an old key stops working at once.
        Token.objects.filter(user=request.user).delete()
        token = Token.objects.create(user=request.user)
        new_key = token.key
    return render(request, "regions/account.html", {"token": token, "new_key": new_key})
