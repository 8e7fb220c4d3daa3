package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// packageJSON is the part of a package.json the host reads.
type packageJSON struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Dependencies map[string]string `json:"dependencies"`
	Pulumi       struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

type dependency struct {
	name, version, server string
	dir                   string
}

func readPackage(dir string) (*packageJSON, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "package.json"), err)
	}
	return &p, nil
}

// projectRoot is the nearest directory at or above dir with a package.json.
func projectRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "package.json")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no package.json at or above %s", dir)
		}
	}
}

// resolve finds an installed package as Node's require would from a package in from.
func resolve(name, from string) (string, bool) {
	for d := from; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, "node_modules", name)
		if _, err := os.Stat(filepath.Join(candidate, "package.json")); err == nil {
			return candidate, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// directDependencies are the project's dependencies as installed.
func directDependencies(dir string) ([]dependency, error) {
	root, err := projectRoot(dir)
	if err != nil {
		return nil, err
	}
	pkg, err := readPackage(root)
	if err != nil {
		return nil, err
	}
	var deps []dependency
	for _, name := range sortedKeys(pkg.Dependencies) {
		d := dependency{name: name, version: "not installed"}
		if at, ok := resolve(name, root); ok {
			if p, err := readPackage(at); err == nil {
				d.version, d.dir = p.Version, at
			}
		}
		deps = append(deps, d)
	}
	return deps, nil
}

// providerPackages are the Pulumi resource plugins the program's dependencies (direct and
// transitive) declare in their package.json "pulumi" section. A plugin that is not installed
// is left out: nothing can be downloaded here, so reporting it would fail every preview, even
// of a stack that registers no resource of that provider (the lab needs no AWS plugin). A
// stack that does use it fails at its first resource with the engine's own "no resource
// plugin" error.
func providerPackages(dir string) ([]dependency, error) {
	root, err := projectRoot(dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var found []dependency
	var visit func(name, from string) error
	visit = func(name, from string) error {
		at, ok := resolve(name, from)
		if !ok || seen[at] {
			return nil
		}
		seen[at] = true
		pkg, err := readPackage(at)
		if err != nil {
			return err
		}
		if pkg.Pulumi.Resource {
			plugin := dependency{
				name:    firstNonEmpty(pkg.Pulumi.Name, strings.TrimPrefix(pkg.Name, "@pulumi/")),
				version: firstNonEmpty(pkg.Pulumi.Version, pkg.Version),
				server:  pkg.Pulumi.Server,
				dir:     at,
			}
			if pluginInstalled(plugin) {
				found = append(found, plugin)
			}
		}
		for _, dep := range sortedKeys(pkg.Dependencies) {
			if err := visit(dep, at); err != nil {
				return err
			}
		}
		return nil
	}
	pkg, err := readPackage(root)
	if err != nil {
		return nil, err
	}
	for _, dep := range sortedKeys(pkg.Dependencies) {
		if err := visit(dep, root); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// pluginInstalled looks where the engine looks: PATH, then the plugin cache in PULUMI_HOME.
func pluginInstalled(p dependency) bool {
	if _, err := exec.LookPath("pulumi-resource-" + p.name); err == nil {
		return true
	}
	home := os.Getenv("PULUMI_HOME")
	if home == "" {
		userHome, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		home = filepath.Join(userHome, ".pulumi")
	}
	version := "v" + strings.TrimPrefix(p.version, "v")
	_, err := os.Stat(filepath.Join(home, "plugins", "resource-"+p.name+"-"+version))
	return err == nil
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
