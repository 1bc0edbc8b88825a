"""Routes of the register part of api.v1 (units, employees)."""

from django.urls import path

from api.v1 import register

urlpatterns = [
    path("units/", register.UnitList.as_view(), name="api_units"),
    path("units/<str:code>/", register.UnitDetail.as_view(), name="api_unit"),
    path("employees/", register.EmployeeList.as_view(), name="api_employees"),
    path("employees/bulk/", register.EmployeeBulk.as_view(), name="api_employees_bulk"),
    path("employees/<str:nip>/", register.EmployeeDetail.as_view(), name="api_employee"),
]
