"""Trend Micro LMPI (Licensing Management Platform Integration): adapter and sandbox."""
