from datetime import date

from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse

from . import queries


@staff_member_required
def overdue(request):
    return JsonResponse({"invoices": queries.overdue_invoices(date.today())})
