"""Routes of the training part of api.v1."""

from django.urls import path

from api.v1 import training

urlpatterns = [
    path("training-records/", training.TrainingRecordList.as_view(), name="api_training_records"),
    path("training-records/bulk/", training.TrainingRecordBulk.as_view(), name="api_training_records_bulk"),
]
