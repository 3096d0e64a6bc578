#!/usr/bin/env bash
# Stop or start the billable compute of one stack: its AKS cluster and PostgreSQL flexible server.
#   scripts/dev-hours.sh stop|start STACK
# Finds the stack's resource group by the tags every resource of this program carries (project airflow-aks, the
# stack name), so it needs no Pulumi state and no hard-coded names. Requires `az login` with Contributor on that
# resource group. Refuses prod, and any resource group with a management lock.
set -euo pipefail

usage() { echo "usage: $0 stop|start STACK" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
action=$1 stack=$2
[[ $action == stop || $action == start ]] || usage
if [[ $stack == prod ]]; then
  echo "refusing to ${action} prod: stopping prod is never a schedule's call" >&2; exit 1
fi

group=$(az group list \
  --query "[?tags.project=='airflow-aks' && tags.stack=='${stack}'].name | [0]" --output tsv)
[[ -n $group ]] || { echo "no resource group tagged project=airflow-aks stack=${stack}" >&2; exit 1; }
if [[ $(az lock list --resource-group "$group" --query "length(@)" --output tsv) != 0 ]]; then
  echo "resource group ${group} has management locks; not touching it" >&2; exit 1
fi

clusters=$(az aks list --resource-group "$group" --query "[].name" --output tsv)
servers=$(az postgres flexible-server list --resource-group "$group" --query "[].name" --output tsv)

if [[ $action == stop ]]; then
  # Airflow first loses its cluster (tasks stop being scheduled), then its database.
  for cluster in $clusters; do
    [[ $(az aks show -g "$group" -n "$cluster" --query powerState.code -o tsv) == Stopped ]] && continue
    echo "stopping AKS cluster ${group}/${cluster}"
    az aks stop --resource-group "$group" --name "$cluster" --no-wait
  done
  for server in $servers; do
    [[ $(az postgres flexible-server show -g "$group" -n "$server" --query state -o tsv) == Stopped ]] && continue
    echo "stopping PostgreSQL server ${group}/${server}"
    az postgres flexible-server stop --resource-group "$group" --name "$server" --no-wait
  done
else
  # The database must be up before the scheduler starts, so wait for it.
  for server in $servers; do
    [[ $(az postgres flexible-server show -g "$group" -n "$server" --query state -o tsv) == Ready ]] && continue
    echo "starting PostgreSQL server ${group}/${server}"
    az postgres flexible-server start --resource-group "$group" --name "$server"
  done
  for cluster in $clusters; do
    [[ $(az aks show -g "$group" -n "$cluster" --query powerState.code -o tsv) == Running ]] && continue
    echo "starting AKS cluster ${group}/${cluster}"
    az aks start --resource-group "$group" --name "$cluster" --no-wait
  done
fi
