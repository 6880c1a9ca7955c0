-- ArgoCD health check for dotproxy.io/DnsOverTlsProxy. argocd-cm.yaml carries this script under
-- resource.customizations.health.dotproxy.io_DnsOverTlsProxy; a test runs it (with luaj) on the
-- object shapes the operator writes.
--   Progressing: no status yet, or the operator has not seen the latest spec
--                (status.observedGeneration behind metadata.generation), or Ready is not True yet
--   Degraded:    condition Degraded is True (TrustedCANotFound, CoreDNSPatchRefused, ReconcileError)
--   Healthy:     condition Ready is True for the latest spec
local function describe(condition, fallback)
  if condition.message ~= nil and condition.message ~= "" then
    return condition.message
  end
  if condition.reason ~= nil and condition.reason ~= "" then
    return condition.reason
  end
  return fallback
end

local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end
if obj.status.observedGeneration == nil or obj.status.observedGeneration ~= obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(obj.metadata.generation)
  return hs
end

local ready = nil
local degraded = nil
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    ready = condition
  elseif condition.type == "Degraded" then
    degraded = condition
  end
end

if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(degraded, "Degraded")
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
elseif ready ~= nil then
  hs.status = "Progressing"
  hs.message = describe(ready, "Not ready yet")
else
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
end
return hs
