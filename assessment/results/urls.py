from django.urls import path

from assessment.results import benchmark_views, person_views, report_views, taker_views, views

urlpatterns = [
    path("hasil/", views.results_home, name="results_home"),
    path("hasil/<int:pk>/", views.results_round, name="results_round"),
    path("hasil/<int:pk>/unit/<int:unit_id>/", views.results_unit, name="results_unit"),
    path(
        "hasil/<int:pk>/unit/<int:unit_id>/laporan.pdf", views.results_unit_report, name="results_unit_report"
    ),
    path("hasil/<int:pk>/kualitas/", views.results_quality, name="results_quality"),
    path("hasil/<int:pk>/pegawai/<int:employee_id>/", person_views.results_person, name="results_person"),
    path(
        "hasil/<int:pk>/pegawai/<int:employee_id>/laporan.pdf",
        person_views.results_person_pdf,
        name="results_person_pdf",
    ),
    path("hasil/<int:pk>/peta-jalan/", views.results_roadmap, name="results_roadmap"),
    path("hasil/<int:pk>/peta-jalan.<str:kind>", views.results_roadmap, name="results_roadmap_export"),
    path("hasil/<int:pk>/ekspor.<str:kind>", views.results_export, name="results_export"),
    path("ronde/<int:pk>/penskoran.json", views.scoring_status, name="scoring_status"),
    path("ronde/<int:pk>/skor-ulang/", views.rescore, name="rescore"),
    path("ronde/<int:pk>/skor-ulang/versi/", views.rescore_under_version, name="rescore_under_version"),
    path("tolok-ukur/", benchmark_views.region_benchmark, name="region_benchmark"),
    path("tolok-ukur/penamaan/", benchmark_views.benchmark_naming, name="benchmark_naming"),
    path("tolok-ukur/ronde/<int:pk>/tarik/", benchmark_views.benchmark_withdraw, name="benchmark_withdraw"),
    path("tolok-ukur/ronde/<int:pk>/kirim/", benchmark_views.benchmark_publish, name="benchmark_publish"),
    path("pengaturan/laporan/", report_views.report_settings, name="report_settings"),
    path("pengaturan/laporan/logo.png", report_views.report_logo, name="report_logo"),
    path("pelatihan/", views.course_list, name="course_list"),
    path("pelatihan/baru/", views.course_edit, name="course_new"),
    path("pelatihan/<int:pk>/", views.course_edit, name="course_edit"),
    path("tes/hasil/", taker_views.my_result, name="my_result"),
    path("tes/hasil.pdf", taker_views.my_result_pdf, name="my_result_pdf"),
]
