"""Fine-tuning data: analysed groups as chat records in the format the ALSATE model was trained on."""
