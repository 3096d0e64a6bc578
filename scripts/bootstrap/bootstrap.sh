#!/usr/bin/env bash
# One-time bootstrap of one stack, run by a subscription Owner with the az CLI (docs/bootstrap.md explains each
# step and why). Idempotent: rerun it after the program starts assigning a new role.
#
#   scripts/bootstrap/bootstrap.sh --stack dev --github-repo my-org/airflow-aks \
#       --state-account stairflowstate123 --state-vault kv-airflow-state-123 [--state-group rg-airflow-state]
#
# Creates, in the shared state resource group:
#   - a storage account with one blob container per stack (Pulumi state, versioned, soft-deleted, keyless),
#   - a Key Vault with one RSA key per stack (the stack's azurekeyvault:// secrets provider),
#   - two user-assigned identities per stack, each federated to one GitHub environment:
#       deployer  (environment <stack>):         Contributor on the stack's resource group, plus Role Based Access
#                 Control Administrator there, limited by an ABAC condition to the data-plane roles the program
#                 assigns (scripts/bootstrap/plan.py reads them from the program);
#       previewer (environment preview-<stack>): Reader, AKS Cluster User and AKS RBAC Reader on the group.
#   - the image identity (environment images-<stack>) the image workflow pushes and imports with: the program
#     grants it AcrPush and the import role on the stack's registry only (registry.pushPrincipalId).
# and the stack's resource group itself (role scopes need it to exist; it is imported into the stack).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
GITHUB_ISSUER=https://token.actions.githubusercontent.com
AUDIENCE=api://AzureADTokenExchange
STATE_GROUP=rg-airflow-state
# Providers the program's resources live in; registering needs subscription rights the deployer does not get.
PROVIDERS=(Microsoft.ContainerService Microsoft.KeyVault Microsoft.Storage Microsoft.DBforPostgreSQL
  Microsoft.Network Microsoft.ManagedIdentity Microsoft.OperationalInsights Microsoft.OperationsManagement
  Microsoft.Insights Microsoft.Authorization Microsoft.PolicyInsights Microsoft.ContainerRegistry)

usage() {
  sed -n '2,8p' "$0" >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --stack) STACK=$2; shift 2 ;;
    --github-repo) REPO=$2; shift 2 ;;
    --state-account) STATE_ACCOUNT=$2; shift 2 ;;
    --state-vault) STATE_VAULT=$2; shift 2 ;;
    --state-group) STATE_GROUP=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ -n ${STACK:-} && -n ${REPO:-} && -n ${STATE_ACCOUNT:-} && -n ${STATE_VAULT:-} ]] || usage

step() { printf '\n== %s\n' "$*"; }
# retry CMD...: a data-plane call made right after the role assignment that allows it can be refused until Azure
# RBAC propagates (learn.microsoft.com, "Troubleshoot Azure RBAC": changes can take up to 10 minutes).
RETRY_SECONDS=${RETRY_SECONDS:-20}
retry() {
  local attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29; do
    "$@" && return 0
    echo "  refused, probably a role assignment still propagating; retry ${attempt} in ${RETRY_SECONDS}s" >&2
    sleep "$RETRY_SECONDS"
  done
  "$@"
}
field() { "$PYTHON" -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v if isinstance(v,str) else json.dumps(v))' "$PLAN" "$1"; }

step "Reading what stack ${STACK} creates and assigns (offline preview of the program)"
PLAN=$(mktemp)
trap 'rm -f "$PLAN"' EXIT
"$PYTHON" "$ROOT/scripts/bootstrap/plan.py" --stack "$STACK" >"$PLAN"
GROUP=$(field resourceGroup)
LOCATION=$(field location)
CONDITION=$(field condition)
SUBSCRIPTION=$(az account show --query id --output tsv)
TENANT=$(az account show --query tenantId --output tsv)
GROUP_ID=/subscriptions/$SUBSCRIPTION/resourceGroups/$GROUP
echo "resource group ${GROUP} in ${LOCATION}; roles the deployer may assign: $(field roles)"

step "Registering resource providers"
for provider in "${PROVIDERS[@]}"; do
  az provider register --namespace "$provider" --output none
done

step "State backend: storage account ${STATE_ACCOUNT}, container pulumi-state-${STACK}"
az group create --name "$STATE_GROUP" --location "$LOCATION" --tags purpose=pulumi-state --output none
if ! az storage account show --name "$STATE_ACCOUNT" --resource-group "$STATE_GROUP" --output none 2>/dev/null; then
  az storage account create --name "$STATE_ACCOUNT" --resource-group "$STATE_GROUP" --location "$LOCATION" \
    --kind StorageV2 --sku Standard_ZRS --min-tls-version TLS1_2 --https-only true \
    --allow-blob-public-access false --allow-shared-key-access false --output none
fi
az storage account blob-service-properties update --account-name "$STATE_ACCOUNT" --resource-group "$STATE_GROUP" \
  --enable-versioning true --enable-delete-retention true --delete-retention-days 30 \
  --enable-container-delete-retention true --container-delete-retention-days 30 --output none
ACCOUNT_ID=$(az storage account show --name "$STATE_ACCOUNT" --resource-group "$STATE_GROUP" --query id --output tsv)
az storage container-rm create --storage-account "$STATE_ACCOUNT" --resource-group "$STATE_GROUP" \
  --name "pulumi-state-${STACK}" --public-access off --output none
CONTAINER_ID=$ACCOUNT_ID/blobServices/default/containers/pulumi-state-$STACK

step "Secrets provider: Key Vault ${STATE_VAULT}, key pulumi-${STACK}"
if ! az keyvault show --name "$STATE_VAULT" --resource-group "$STATE_GROUP" --output none 2>/dev/null; then
  az keyvault create --name "$STATE_VAULT" --resource-group "$STATE_GROUP" --location "$LOCATION" \
    --enable-rbac-authorization true --enable-purge-protection true --retention-days 90 --output none
fi
VAULT_ID=$(az keyvault show --name "$STATE_VAULT" --resource-group "$STATE_GROUP" --query id --output tsv)
# The person running this needs data-plane rights too: to create the key now and to initialise the stack below.
ME=$(az account show --query user.name --output tsv)
az role assignment create --assignee "$ME" --role "Key Vault Crypto Officer" --scope "$VAULT_ID" --output none
az role assignment create --assignee "$ME" --role "Storage Blob Data Contributor" --scope "$CONTAINER_ID" --output none
az keyvault key show --vault-name "$STATE_VAULT" --name "pulumi-${STACK}" --output none 2>/dev/null \
  || retry az keyvault key create --vault-name "$STATE_VAULT" --name "pulumi-${STACK}" --kty RSA --size 3072 --output none
KEY_SCOPE=$VAULT_ID/keys/pulumi-$STACK

step "Stack resource group ${GROUP} (role scopes need it before the first deployment)"
mapfile -t TAGS < <("$PYTHON" -c 'import json,sys; [print(f"{k}={v}") for k,v in json.load(open(sys.argv[1]))["tags"].items()]' "$PLAN")
az group create --name "$GROUP" --location "$LOCATION" --tags "${TAGS[@]}" --output none

# identity NAME ENVIRONMENT -> principal id; a user-assigned identity cannot hold a client secret at all.
identity() {
  local name=$1 environment=$2
  az identity create --name "$name" --resource-group "$STATE_GROUP" --location "$LOCATION" --output none
  az identity federated-credential create --identity-name "$name" --resource-group "$STATE_GROUP" \
    --name "github-${environment}" --issuer "$GITHUB_ISSUER" --audiences "$AUDIENCE" \
    --subject "repo:${REPO}:environment:${environment}" --output none
  az identity show --name "$name" --resource-group "$STATE_GROUP" --query principalId --output tsv
}
grant() { # PRINCIPAL ROLE SCOPE [CONDITION]
  local extra=()
  if [[ -n ${4:-} ]]; then
    # A condition cannot be edited in place by create: replace the assignment so a rerun applies a new role list.
    az role assignment delete --assignee "$1" --role "$2" --scope "$3" --output none 2>/dev/null || true
    extra=(--condition "$4" --condition-version 2.0)
  fi
  az role assignment create --assignee-object-id "$1" --assignee-principal-type ServicePrincipal \
    --role "$2" --scope "$3" "${extra[@]}" --output none
}

step "Deployer identity id-airflow-deploy-${STACK} (GitHub environment ${STACK})"
DEPLOYER=$(identity "id-airflow-deploy-${STACK}" "$STACK")
grant "$DEPLOYER" Contributor "$GROUP_ID"
grant "$DEPLOYER" "Role Based Access Control Administrator" "$GROUP_ID" "$CONDITION"
# Process substitution, not a pipe, so a failed grant stops the script; an empty list prints nothing and the loop
# does not run (`[[ -n $scope ]] && grant` would end the script under `set -e` on an empty last line).
while read -r scope; do
  if [[ -n $scope ]]; then
    grant "$DEPLOYER" "Role Based Access Control Administrator" "$scope" "$CONDITION"
  fi
done < <("$PYTHON" -c 'import json,sys; [print(s) for s in json.load(open(sys.argv[1]))["scopesOutsideResourceGroup"]]' "$PLAN")
grant "$DEPLOYER" "Storage Blob Data Contributor" "$CONTAINER_ID"
grant "$DEPLOYER" "Key Vault Crypto User" "$KEY_SCOPE"

step "Previewer identity id-airflow-preview-${STACK} (GitHub environment preview-${STACK})"
PREVIEWER=$(identity "id-airflow-preview-${STACK}" "preview-${STACK}")
grant "$PREVIEWER" Reader "$GROUP_ID"
grant "$PREVIEWER" "Azure Kubernetes Service Cluster User Role" "$GROUP_ID"
grant "$PREVIEWER" "Azure Kubernetes Service RBAC Reader" "$GROUP_ID"
grant "$PREVIEWER" "Storage Blob Data Reader" "$CONTAINER_ID"
grant "$PREVIEWER" "Key Vault Crypto User" "$KEY_SCOPE"

step "Image identity id-airflow-images-${STACK} (GitHub environment images-${STACK})"
IMAGES=$(identity "id-airflow-images-${STACK}" "images-${STACK}")

step "Pulumi stack ${STACK}: azblob state, azurekeyvault secrets, deployer pinned in config"
export AZURE_STORAGE_ACCOUNT=$STATE_ACCOUNT AZURE_KEYVAULT_AUTH_VIA_CLI=true
cd "$ROOT"
pulumi login "azblob://pulumi-state-${STACK}"
SECRETS_PROVIDER="azurekeyvault://${STATE_VAULT}.vault.azure.net/keys/pulumi-${STACK}"
if pulumi stack select "$STACK" 2>/dev/null; then
  pulumi stack change-secrets-provider "$SECRETS_PROVIDER" --stack "$STACK"
else
  retry pulumi stack init "$STACK" --secrets-provider "$SECRETS_PROVIDER"
fi
# Both identities must plan the same role assignments, so the deployer is named in config, not looked up.
pulumi config set --path identity.deployerObjectId "$DEPLOYER" --stack "$STACK"
pulumi config set --path identity.deployerPrincipalType ServicePrincipal --stack "$STACK"
# The program grants this identity AcrPush and the import role on the registry (the plan above included them).
pulumi config set --path registry.pushPrincipalId "$IMAGES" --stack "$STACK"
# Read the whole export first: `export | grep -q` under pipefail fails with SIGPIPE on a large state once grep
# has found its match, and the import would run again against a group the stack already holds.
EXPORTED=$(pulumi stack export --stack "$STACK")
if ! grep -q '"type": "azure-native:resources:ResourceGroup"' <<<"$EXPORTED"; then
  pulumi import azure-native:resources:ResourceGroup resource-group "$GROUP_ID" \
    --stack "$STACK" --yes --protect=false --generate-code=false
fi

step "Done. Commit Pulumi.${STACK}.yaml and policies/config/${STACK}.json, then set in GitHub (Settings > Environments / Variables):"
cat <<SETTINGS
  policies/config/${STACK}.json: azure-role-assignment-allowlist.deployerPrincipalIds = ["${DEPLOYER}"] (the pack cannot read stack config; it lets only this principal hold cluster admin and Secrets Officer)
  repository variables:  AZURE_TENANT_ID=${TENANT}  AZURE_SUBSCRIPTION_ID=${SUBSCRIPTION}  PULUMI_STATE_STORAGE_ACCOUNT=${STATE_ACCOUNT}
  environment ${STACK}:          AZURE_CLIENT_ID=$(az identity show -n "id-airflow-deploy-${STACK}" -g "$STATE_GROUP" --query clientId -o tsv)  PULUMI_BACKEND_URL=azblob://pulumi-state-${STACK}
  environment preview-${STACK}:  AZURE_CLIENT_ID=$(az identity show -n "id-airflow-preview-${STACK}" -g "$STATE_GROUP" --query clientId -o tsv)  PULUMI_BACKEND_URL=azblob://pulumi-state-${STACK}
  environment images-${STACK}:   AZURE_CLIENT_ID=$(az identity show -n "id-airflow-images-${STACK}" -g "$STATE_GROUP" --query clientId -o tsv)  AIRFLOW_IMAGE_REGISTRY=<pulumi stack output containerRegistryLoginServer, after the first up>
  optional repository variable PULUMI_RUNNERS: runner labels per stack whose API server GitHub-hosted runners cannot reach (docs/bootstrap.md)
  environment ${STACK}: deployment branches = main$( [[ $STACK == prod ]] && echo '; required reviewers = your release approvers')
SETTINGS
