package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// analyzerKind is RunPluginRequest.Kind for a policy pack (apitype.AnalyzerPlugin).
const analyzerKind = "analyzer"

// runPlugin starts a plugin written in Node.js: a policy pack (a directory with a
// PulumiPolicy.yaml, kind "analyzer") with @pulumi/pulumi's cmd/run-policy-pack, any other
// kind (a PulumiPlugin.yaml) with cmd/run-plugin, as Pulumi's own Node.js host does. The
// plugin's stdout and stderr go back on the stream as they come; a non-zero exit is sent as
// the exit code, and a plugin that could not be started or was killed is an RPC error.
//
// A policy pack is started behind the SDK's PolicyProxy: the engine talks to the proxy first
// (Handshake, ConfigureStack), and only then is the pack started, with the stack's project,
// stack name and config in its environment, which @pulumi/policy and pulumi.Config read.
func runPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	info := req.GetInfo()
	dir := info.GetProgramDirectory()
	if dir == "" {
		return status.Error(codes.InvalidArgument, "RunPlugin without a program directory")
	}
	opts, err := parseOptions(info)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	sdkDir, ok := resolve("@pulumi/pulumi", dir)
	if !ok {
		return status.Errorf(codes.FailedPrecondition,
			"@pulumi/pulumi is not installed for the plugin in %s: run npm ci where its package.json is", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return status.Error(codes.FailedPrecondition, "node is not on PATH: install Node.js 20 or later")
	}

	send := &streamSender{server: server}
	var stdout io.Writer = send.writer(func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	stderr := send.writer(func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})

	env := append([]string{}, req.GetEnv()...)
	env = append(env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript))
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	policyPack := req.GetKind() == analyzerKind
	args := append([]string{}, opts.nodeargs...)
	if policyPack {
		// run-policy-pack takes the engine's address (the engine's args) and then the pack.
		args = append(args, filepath.Join(sdkDir, "cmd", "run-policy-pack"))
		args = append(args, req.GetArgs()...)
		args = append(args, dir)
	} else {
		args = append(args, filepath.Join(sdkDir, "cmd", "run-plugin"), dir)
		args = append(args, req.GetArgs()...)
	}

	var proxy *sdk.PolicyProxy
	if policyPack {
		// The proxy prints its own port on the stream's stdout (the engine dials it), and the
		// pack's stdout goes through it: the pack's port is read there, the rest passed on.
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return status.Errorf(codes.Internal, "starting the policy pack's proxy: %v", err)
		}
		config, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return status.Errorf(codes.Internal, "waiting for the stack's configuration: %v", err)
		}
		stackEnv, err := stackEnvironment(config)
		if err != nil {
			return status.Error(codes.Internal, err.Error())
		}
		env = append(env, stackEnv...)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	// Policy packs have always run in their own directory (PolicyPack reads its package.json
	// from the working directory); other plugins run where the engine runs.
	cmd.Dir = req.GetPwd()
	if policyPack || cmd.Dir == "" {
		cmd.Dir = dir
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if err := cmd.Start(); err != nil {
		return status.Errorf(codes.Internal, "starting %s: %v", node, err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd) // waits for the pack to exit
	} else {
		err = cmd.Wait()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil // the stream's end is exit code 0 to the engine
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return status.Errorf(codes.Aborted, "the plugin in %s was stopped by %v", dir, ws.Signal())
		}
		return send.send(&pulumirpc.RunPluginResponse{
			Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exit.ExitCode())},
		})
	case ctx.Err() != nil:
		return status.FromContextError(ctx.Err()).Err()
	default:
		return status.Errorf(codes.Internal, "running the plugin in %s: %v", dir, err)
	}
}

// stackEnvironment is what Pulumi's Node.js host gives a policy pack about the stack it runs
// for: the variables @pulumi/pulumi's runtime settings and pulumi.Config read.
func stackEnvironment(config *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	if config == nil { // e.g. `pulumi policy publish`: no stack
		return nil, nil
	}
	var env []string
	add := func(k, v string) {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	add("PULUMI_NODEJS_ORGANIZATION", config.GetOrganization())
	add("PULUMI_NODEJS_PROJECT", config.GetProject())
	add("PULUMI_NODEJS_STACK", config.GetStack())
	add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(config.GetDryRun()))
	if c := config.GetConfig(); c != nil {
		raw, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("encoding the stack's configuration: %w", err)
		}
		add("PULUMI_CONFIG", string(raw))
	}
	keys, err := json.Marshal(orEmpty(config.GetConfigSecretKeys()))
	if err != nil {
		return nil, fmt.Errorf("encoding the stack's secret keys: %w", err)
	}
	add("PULUMI_CONFIG_SECRET_KEYS", string(keys))
	return env, nil
}

// streamSender sends on one RunPlugin stream from several goroutines (exec copies stdout and
// stderr on goroutines of their own; gRPC allows one sender at a time).
type streamSender struct {
	mu     sync.Mutex
	server pulumirpc.LanguageRuntime_RunPluginServer
}

func (s *streamSender) send(msg *pulumirpc.RunPluginResponse) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.server.Send(msg)
}

// writer is an io.Writer whose writes are sent as the messages wrap makes of them.
func (s *streamSender) writer(wrap func([]byte) *pulumirpc.RunPluginResponse) io.Writer {
	return streamTo(func(b []byte) error { return s.send(wrap(b)) })
}
