"""Every platform the sandbox bank can speak, by connector name."""

from __future__ import annotations

from pointflow.sim.platforms import SandboxPlatform
from pointflow.sim.platforms.camt import CamtPlatform
from pointflow.sim.platforms.generic import GenericSandbox
from pointflow.sim.platforms.mambu import MambuSandbox
from pointflow.sim.platforms.temenos import TemenosSandbox

PLATFORMS: dict[str, SandboxPlatform] = {
    p.name: p for p in (CamtPlatform(), GenericSandbox(), MambuSandbox(), TemenosSandbox())
}
