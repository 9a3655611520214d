"""Every platform the sandbox bank can speak, by connector name."""

from __future__ import annotations

from pointflow.config import Settings
from pointflow.sim.platforms import SandboxPlatform
from pointflow.sim.platforms.camt import CamtPlatform
from pointflow.sim.platforms.fineract import FineractSandbox
from pointflow.sim.platforms.generic import GenericSandbox
from pointflow.sim.platforms.mambu import MambuSandbox
from pointflow.sim.platforms.temenos import TemenosSandbox

PLATFORMS: dict[str, SandboxPlatform] = {
    p.name: p for p in (CamtPlatform(), GenericSandbox(), MambuSandbox(), TemenosSandbox())
}


def sandbox_platforms(settings: Settings) -> dict[str, SandboxPlatform]:
    """The platforms above, and Fineract when its Avro schemas are configured (its messages need them)."""
    found = dict(PLATFORMS)
    if settings.fineract_schema_dir is not None:
        found["fineract"] = FineractSandbox(settings.fineract_schema_dir)
    return found
