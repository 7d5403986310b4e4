"""Shared by every layer: rekostub's exceptions and botocore's Rekognition service model.

May import: nothing of rekostub (only the standard library and botocore).
"""
