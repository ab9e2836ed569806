#!/usr/bin/env bash
# Build the pinned third-party tools of tools.env from the Go module proxy into
# a cache outside the repository, then print `KEY=path` lines on stdout:
#
#   eval "$(tools/build-tools.sh)"            # all tools
#   tools/build-tools.sh pulumi kube-apiserver # only some
#
# Layout: ${BLUEPRINTS_TOOLS_CACHE:-$HOME/.cache/blueprints-tools}/
#           <tool>-<version>/bin/...   binaries
#           <tool>-<version>/src/      generated wrapper go.mod/go.sum
#           <tool>-<version>/build.log output of the cold build
#           <tool>-<version>/.spec     what was built; a match means "up to date"
#           go/                        GOPATH, GOMODCACHE, GOCACHE of these builds
# A tool is rebuilt only when its .spec (module versions, replaces, ldflags,
# Go version) differs, so a warm run starts no `go` command at all.
# Logs go to stderr; stdout carries only KEY=value lines.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS_ENV=${BLUEPRINTS_TOOLS_ENV:-$HERE/tools.env}
# shellcheck source=tools.env
source "$TOOLS_ENV"

CACHE=${BLUEPRINTS_TOOLS_CACHE:-$HOME/.cache/blueprints-tools}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

export GOPATH=$CACHE/go
export GOMODCACHE=$CACHE/go/pkg/mod
export GOCACHE=$CACHE/go/cache
export GOFLAGS="-mod=mod -modcacherw"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOWORK=off
export GO111MODULE=on
GOVERSION_STR=$(go env GOVERSION)

ALL_TOOLS=(pulumi pulumi-language-python pulumi-language-yaml pulumi-resource-kubernetes kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)

log() { printf '[build-tools] %s\n' "$*" >&2; }

is_optional() {
  local t
  for t in ${TOOLS_OPTIONAL:-}; do [[ $t == "$1" ]] && return 0; done
  return 1
}

# go mod download a module (outside any main module) and print its directory.
mod_dir() {
  (cd "$CACHE" && go mod download -json "$1") |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["Dir"]) if "Dir" in d else sys.exit(d.get("Error","no Dir"))'
}

# Print `-replace=...` arguments for `go mod edit` that repeat the replace
# directives of MODULE@VERSION's go.mod. Non-local replaces are copied as they
# are; local ones (=> ./x or ../x, which only work inside that repository) are
# mapped to the published module of the same path at LOCAL_VERSION.
replace_args() {
  local modver=$1 local_version=$2 dir
  dir=$(mod_dir "$modver")
  go mod edit -json "$dir/go.mod" | python3 -c '
import json, sys
local_version = sys.argv[1]
for r in json.load(sys.stdin).get("Replace") or []:
    old, new = r["Old"], r["New"]
    o = old["Path"] + ("@" + old["Version"] if old.get("Version") else "")
    if new.get("Version"):
        print(f"-replace={o}={new['"'"'Path'"'"']}@{new['"'"'Version'"'"']}")
    else:
        print(f"-replace={o}={old['"'"'Path'"'"']}@{local_version}")
' "$local_version"
}

# ---------------------------------------------------------------------------
# Tool specs. Each sets:
#   T_DIRNAME   cache directory name, <tool>-<version>
#   T_REQUIRE   modules the wrapper requires (module@version)
#   T_REPLACE   "module@version|local_version": repeat that go.mod's replaces
#   T_BUILD     "package=binary" to build into bin/
#   T_LDFLAGS   extra -ldflags (besides -s -w)
#   T_PRE       optional function run in the wrapper dir before building
#   T_POST      optional function run after a successful build (arg: bin dir)
#   T_OUT       "KEY=binary" lines to print
# ---------------------------------------------------------------------------
reset_spec() {
  T_DIRNAME='' T_LDFLAGS='' T_PRE='' T_POST='' T_SKIP=''
  T_REQUIRE=() T_REPLACE=() T_BUILD=() T_OUT=()
}

spec_pulumi() {
  local v=$PULUMI_VERSION
  T_DIRNAME=pulumi-$v
  T_REQUIRE=("github.com/pulumi/pulumi/pkg/v3@$v" "github.com/pulumi/pulumi/sdk/v3@$v")
  T_REPLACE=("github.com/pulumi/pulumi/pkg/v3@$v|$v")
  T_BUILD=("github.com/pulumi/pulumi/pkg/v3/cmd/pulumi=pulumi")
  T_LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v"
  T_OUT=("PULUMI_BIN=pulumi")
}

# The Python language host. The proxy refuses its own module
# (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3: 403 for every version),
# so it is built from the last sdk/v3 release that still carried it as a package,
# PULUMI_LANGUAGE_PYTHON_SDK_VERSION (see tools.env for what that costs).
spec_pulumi-language-python() {
  local v=$PULUMI_LANGUAGE_PYTHON_SDK_VERSION
  T_DIRNAME=pulumi-language-python-$v
  T_REQUIRE=("github.com/pulumi/pulumi/sdk/v3@$v")
  T_REPLACE=("github.com/pulumi/pulumi/sdk/v3@$v|$v")
  T_BUILD=("github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python=pulumi-language-python")
  T_LDFLAGS="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v"
  T_POST=post_language_python
  T_OUT=("PULUMI_LANGUAGE_PYTHON=pulumi-language-python")
}

# The host runs pulumi-language-python-exec from its own folder: the CLI release's script
# (it matches the Python SDK the project installs), and the dynamic-provider script with it.
post_language_python() {
  local bin=$1 sdk
  sdk=$(mod_dir "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION")
  install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$bin/"
  install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$bin/"
}

# The YAML language host, for the Pulumi YAML program that uses a Blueprints component.
spec_pulumi-language-yaml() {
  local v=$PULUMI_YAML_VERSION
  T_DIRNAME=pulumi-language-yaml-$v
  T_REQUIRE=("github.com/pulumi/pulumi-yaml@$v")
  T_REPLACE=("github.com/pulumi/pulumi-yaml@$v|$v")
  T_BUILD=("github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml=pulumi-language-yaml")
  T_LDFLAGS="-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$v"
  T_OUT=("PULUMI_LANGUAGE_YAML=pulumi-language-yaml")
}

spec_pulumi-resource-kubernetes() {
  local m=github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION
  T_DIRNAME=pulumi-resource-kubernetes-$PULUMI_KUBERNETES_PLUGIN_VERSION
  T_REQUIRE=("$m" "github.com/pulumi/pulumi-kubernetes/sdk/v4@$PULUMI_KUBERNETES_GO_SDK_VERSION")
  T_REPLACE=("$m|$PULUMI_KUBERNETES_GO_SDK_VERSION")
  T_BUILD=("./cmd/pulumi-resource-kubernetes=pulumi-resource-kubernetes")
  T_PRE=pre_kubernetes_provider
  T_LDFLAGS="-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_PLUGIN_VERSION"
  T_OUT=("PULUMI_RESOURCE_KUBERNETES=pulumi-resource-kubernetes")
}

# cmd/pulumi-resource-kubernetes embeds schema-embed.json and
# terraform-mapping-embed.json, which upstream's `go generate` (generate.go)
# writes from schema.json (stamping the plugin version into it) and is not in
# the module zip. So the main package is copied into the wrapper module and
# generated there; its imports still resolve to the pinned provider module.
pre_kubernetes_provider() {
  local src d=cmd/pulumi-resource-kubernetes
  src=$(mod_dir "github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_PROVIDER_MODULE_VERSION")/$d
  mkdir -p "$d"
  install -m 0644 "$src"/{main.go,generate.go,schema.json,terraform-mapping.json} "$d/"
  (cd "$d" && VERSION=$PULUMI_KUBERNETES_PLUGIN_VERSION go run ./generate.go)
  ls -l "$d"/*-embed.json >&2
}

k8s_common() {
  local v=$KUBERNETES_VERSION minor staging
  minor=${v#v1.}; minor=${minor%%.*}
  staging=v0.${v#v1.}            # v1.37.2 -> v0.37.2
  T_REQUIRE=("k8s.io/kubernetes@$v")
  T_REPLACE=("k8s.io/kubernetes@$v|$staging")
  local pkg x=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x="$x -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    x="$x -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  T_LDFLAGS=${x# }
}

spec_kube-apiserver() {
  k8s_common
  T_DIRNAME=kube-apiserver-$KUBERNETES_VERSION
  T_BUILD=("k8s.io/kubernetes/cmd/kube-apiserver=kube-apiserver")
  T_OUT=("KUBE_APISERVER=kube-apiserver")
}

spec_kube-controller-manager() {
  k8s_common
  T_DIRNAME=kube-controller-manager-$KUBERNETES_VERSION
  T_BUILD=("k8s.io/kubernetes/cmd/kube-controller-manager=kube-controller-manager")
  T_OUT=("KUBE_CONTROLLER_MANAGER=kube-controller-manager")
}

spec_kube-scheduler() {
  k8s_common
  T_DIRNAME=kube-scheduler-$KUBERNETES_VERSION
  T_BUILD=("k8s.io/kubernetes/cmd/kube-scheduler=kube-scheduler")
  T_OUT=("KUBE_SCHEDULER=kube-scheduler")
}

spec_kubectl() {
  k8s_common
  T_DIRNAME=kubectl-$KUBERNETES_VERSION
  T_BUILD=("k8s.io/kubernetes/cmd/kubectl=kubectl")
  T_OUT=("KUBECTL=kubectl")
}

spec_etcd() {
  local v=$ETCD_VERSION
  T_DIRNAME=etcd-$v
  T_REQUIRE=("go.etcd.io/etcd/server/v3@$v")
  T_REPLACE=("go.etcd.io/etcd/server/v3@$v|$v")
  T_BUILD=("go.etcd.io/etcd/server/v3=etcd")
  T_OUT=("ETCD=etcd")
}

spec_kwok() {
  local v=$KWOK_VERSION
  T_DIRNAME=kwok-$v
  T_REQUIRE=("sigs.k8s.io/kwok@$v")
  T_REPLACE=("sigs.k8s.io/kwok@$v|$v")
  T_BUILD=("sigs.k8s.io/kwok/cmd/kwok=kwok")
  # pkg/consts.Version already defaults to the release (0.8.0): no ldflag.
  T_POST=post_kwok
  T_OUT=("KWOK=kwok" "KWOK_STAGES=stages.yaml")
}

# kwok needs Stage objects to know how nodes and pods progress; the module ships the "fast"
# ones (a node is Ready at once, a pod Running and Ready as soon as it is bound).
post_kwok() {
  local src f
  src=$(mod_dir "sigs.k8s.io/kwok@$KWOK_VERSION")/kustomize/stage
  for f in "$src"/node/fast/node-initialize.yaml "$src"/pod/fast/pod-ready.yaml \
           "$src"/pod/fast/pod-complete.yaml "$src"/pod/fast/pod-delete.yaml; do
    printf -- '---\n'; cat "$f"
  done >"$1/stages.yaml"
}

# ---------------------------------------------------------------------------
spec_text() {
  printf '%s\n' "go=$GOVERSION_STR" "CGO_ENABLED=$CGO_ENABLED" \
    "${T_REQUIRE[@]/#/require }" "${T_REPLACE[@]/#/replace-from }" \
    "${T_BUILD[@]/#/build }" "ldflags=-s -w $T_LDFLAGS" "pre=$T_PRE" "post=$T_POST"
}

up_to_date() {
  local dir=$1 b
  [[ -f $dir/.spec && "$(<"$dir/.spec")" == "$(spec_text)" ]] || return 1
  for b in "${T_BUILD[@]}"; do [[ -x $dir/bin/${b#*=} ]] || return 1; done
}

# Cold build of the current spec into $CACHE/$T_DIRNAME (atomically replaced).
# Runs in its own bash process (`build-tools.sh __build TOOL`) so that errexit
# is in force: bash ignores `set -e` inside a function called from `if`/`||`.
do_build() {
  local dir=$1 tmp=$1.tmp.$$ req rep b line lines
  rm -rf "$tmp"; mkdir -p "$tmp/src" "$tmp/bin"
  cd "$tmp/src"
  go mod init blueprints-tools/wrapper
  local args=()
  for req in "${T_REQUIRE[@]}"; do args+=("-require=$req"); done
  for rep in "${T_REPLACE[@]}"; do
    lines=$(replace_args "${rep%%|*}" "${rep#*|}")   # errexit applies here
    while IFS= read -r line; do
      if [[ -n $line ]]; then args+=("$line"); fi
    done <<<"$lines"
  done
  go mod edit "${args[@]}"
  log "wrapper go.mod for $T_DIRNAME:"; sed 's/^/    /' go.mod >&2
  if [[ -n $T_PRE ]]; then "$T_PRE"; fi
  for b in "${T_BUILD[@]}"; do
    log "go build ${b%%=*} -> bin/${b#*=}"
    go build -trimpath -ldflags "-s -w $T_LDFLAGS" -o "$tmp/bin/${b#*=}" "${b%%=*}"
  done
  cd "$CACHE"
  rm -rf "$dir"; mv "$tmp" "$dir"
  if [[ -n $T_POST ]]; then "$T_POST" "$dir/bin"; fi
  spec_text >"$dir/.spec"      # written last: no .spec means "not built"
}

if [[ ${1:-} == __build ]]; then
  reset_spec; "spec_$2"; do_build "$CACHE/$T_DIRNAME"; exit 0
fi

selected=("$@")
[[ ${#selected[@]} -gt 0 ]] || selected=("${ALL_TOOLS[@]}")

# Builds take an exclusive lock (concurrent runs, e.g. pytest-xdist workers,
# wait for each other); the up-to-date check of a warm run takes none.
exec 9>"$CACHE/.lock"

OUT=()
failed=0
for tool in "${selected[@]}"; do
  reset_spec
  if ! declare -F "spec_$tool" >/dev/null; then
    log "unknown tool '$tool' (known: ${ALL_TOOLS[*]})"; exit 2
  fi
  "spec_$tool"
  ok=1
  if [[ -n $T_SKIP ]]; then
    log "$tool: NOT BUILT: $T_SKIP"; ok=0
  else
    dir=$CACHE/$T_DIRNAME
    if up_to_date "$dir"; then
      log "$tool: up to date ($dir)"
    elif flock 9 && up_to_date "$dir"; then
      log "$tool: up to date ($dir, built by a concurrent run)"; flock -u 9
    else
      log "$tool: building $T_DIRNAME (log: $dir.log)"
      start=$(date +%s)
      if bash "$HERE/build-tools.sh" __build "$tool" >"$dir.log" 2>&1; then
        mv "$dir.log" "$dir/build.log"
        log "$tool: built in $(( $(date +%s) - start ))s"
      else
        rm -rf "$dir.tmp."*
        log "$tool: BUILD FAILED after $(( $(date +%s) - start ))s; last lines of $dir.log:"
        tail -n 25 "$dir.log" | sed 's/^/    /' >&2
        ok=0
      fi
      flock -u 9
    fi
  fi
  if [[ $ok == 1 ]]; then
    for o in "${T_OUT[@]}"; do OUT+=("${o%%=*}=$CACHE/$T_DIRNAME/bin/${o#*=}"); done
    [[ $tool != pulumi ]] || OUT+=("PULUMI_BIN_DIR=$CACHE/$T_DIRNAME/bin")
    [[ $tool != pulumi-resource-kubernetes ]] || OUT+=("PULUMI_KUBERNETES_PLUGIN_VERSION=$PULUMI_KUBERNETES_PLUGIN_VERSION")
  elif is_optional "$tool"; then
    log "$tool: optional, continuing"
  else
    failed=1
  fi
done

printf '%s\n' "BLUEPRINTS_TOOLS_CACHE=$CACHE" "${OUT[@]}"
exit "$failed"
