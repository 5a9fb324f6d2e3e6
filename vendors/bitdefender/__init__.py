"""Bitdefender GravityZone Cloud (JSON-RPC Public API): adapter and sandbox."""
