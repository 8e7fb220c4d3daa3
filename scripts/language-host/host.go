package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// host answers the engine's LanguageRuntime calls. What the offline host does not do it
// says so with codes.Unimplemented, which the engine treats as "not supported".
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex // guards engineAddress: Handshake and Run may run on different goroutines
	engineAddress string
	tracing       string
	stop          chan bool
	stopOnce      sync.Once
}

// shutdown stops serving once the calls in flight have answered; the first caller wins.
func (h *host) shutdown() {
	h.stopOnce.Do(func() { h.stop <- true })
}

func (h *host) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

func newHost(engineAddress, tracing string) *host {
	return &host{engineAddress: engineAddress, tracing: tracing, stop: make(chan bool, 1)}
}

func (h *host) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.mu.Lock()
		h.engineAddress = req.GetEngineAddress()
		h.mu.Unlock()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(ctx context.Context, _ *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	found, err := providerPackages(programDir(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, p := range found {
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Name: p.name, Kind: "resource", Version: p.version, Server: p.server,
		})
	}
	return resp, nil
}

func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	found, err := providerPackages(programDir(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, p := range found {
		resp.Packages = append(resp.Packages, &pulumirpc.PackageDependency{
			Name: p.name, Kind: "resource", Version: p.version, Server: p.server,
		})
	}
	return resp, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	return runProgram(ctx, h.engine(), h.tracing, req)
}

// RunPlugin runs a plugin written in Node.js, a policy pack among them (plugin.go).
func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	return runPlugin(req, server)
}

// Cancel is the engine shutting the host down (after Ctrl-C, among others): stop serving
// once the calls in flight have answered.
func (h *host) Cancel(ctx context.Context, _ *pbempty.Empty) (*pbempty.Empty, error) {
	h.shutdown()
	return &pbempty.Empty{}, nil
}

func (h *host) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, status.Error(codes.FailedPrecondition, "node is not on PATH")
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, status.Errorf(codes.Internal, "%s --version: %v", node, err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "interlock-ingress offline host"},
	}, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	deps, err := directDependencies(programDir(req.GetInfo(), req.GetPwd()))
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, d := range deps {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: d.name, Version: d.version})
	}
	return resp, nil
}

// InstallDependencies is `pulumi install`: npm ci, which installs exactly the lockfile.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	dir := req.GetDirectory()
	if info := req.GetInfo(); info != nil && info.GetRootDirectory() != "" {
		dir = info.GetRootDirectory()
	}
	if _, err := os.Stat(dir + "/package-lock.json"); err != nil {
		return status.Errorf(codes.FailedPrecondition,
			"%s has no package-lock.json: the offline host installs with npm ci only", dir)
	}
	cmd := exec.CommandContext(server.Context(), "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Stdout = streamTo(func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: b})
	})
	cmd.Stderr = streamTo(func(b []byte) error {
		return server.Send(&pulumirpc.InstallDependenciesResponse{Stderr: b})
	})
	if err := cmd.Run(); err != nil {
		return status.Errorf(codes.Internal, "npm ci in %s: %v", dir, err)
	}
	return nil
}

// streamTo adapts a send function to an io.Writer. Each write is copied: gRPC keeps the
// slice until it is sent.
type streamTo func([]byte) error

func (s streamTo) Write(b []byte) (int, error) {
	if err := s(append([]byte(nil), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// programDir is where the program lives: the engine's ProgramInfo, or the older pwd field.
func programDir(info *pulumirpc.ProgramInfo, pwd string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if pwd != "" {
		return pwd
	}
	wd, _ := os.Getwd()
	return wd
}
