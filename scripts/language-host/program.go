package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// bailExitCode is how @pulumi/pulumi's runner says "the error is already reported".
const bailExitCode = 32

// runtimeOptions are Pulumi.yaml's runtime.options for nodejs that this host honours.
type runtimeOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func parseOptions(info *pulumirpc.ProgramInfo) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return opts, nil
	}
	for key, value := range info.GetOptions().AsMap() {
		switch key {
		case "typescript":
			b, ok := value.(bool)
			if !ok {
				return opts, fmt.Errorf("Pulumi.yaml runtime.options.typescript must be true or false, not %v", value)
			}
			opts.typescript = b
		case "tsconfig":
			s, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("Pulumi.yaml runtime.options.tsconfig must be a path, not %v", value)
			}
			opts.tsconfig = s
		case "nodeargs":
			s, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("Pulumi.yaml runtime.options.nodeargs must be a string, not %v", value)
			}
			opts.nodeargs = strings.Fields(s)
		default:
			return opts, fmt.Errorf("Pulumi.yaml runtime.options.%s is not supported by the offline "+
				"Node.js host (it supports typescript, tsconfig and nodeargs)", key)
		}
	}
	return opts, nil
}

// runProgram runs the program once with @pulumi/pulumi's runner, its output going to the
// host's own stdout and stderr, which the engine shows as the program's. A failure of the
// program is a RunResponse error, not an RPC error: the engine reports it as the program's.
func runProgram(
	ctx context.Context, engineAddress, tracing string, req *pulumirpc.RunRequest,
) (*pulumirpc.RunResponse, error) {
	failed := func(format string, args ...any) (*pulumirpc.RunResponse, error) {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(format, args...)}, nil
	}
	dir := programDir(req.GetInfo(), req.GetPwd())
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return failed("%v", err)
	}
	sdk, ok := resolve("@pulumi/pulumi", dir)
	if !ok {
		return failed("@pulumi/pulumi is not installed for the program in %s: run npm ci (or pulumi install)", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return failed("node is not on PATH: install Node.js 20 or later")
	}
	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(orEmpty(req.GetConfigSecretKeys()))
	if err != nil {
		return nil, err
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, filepath.Join(sdk, "cmd", "run"),
		"--monitor", req.GetMonitorAddress(),
		"--engine", engineAddress,
		"--organization", req.GetOrganization(),
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", dir,
		"--parallel", strconv.Itoa(int(req.GetParallel())),
	)
	if root := req.GetInfo().GetRootDirectory(); root != "" {
		args = append(args, "--root-directory", root)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if tracing != "" {
		args = append(args, "--tracing", tracing)
	}
	args = append(args, entryPoint(req))
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript),
	)
	if opts.tsconfig != "" {
		cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return failed("the program was stopped by %v", ws.Signal())
		}
		if exit.ExitCode() == bailExitCode {
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return failed("Program exited with non-zero exit code: %d", exit.ExitCode())
	default:
		return failed("starting the program with %s: %v", node, err)
	}
}

// entryPoint is Pulumi.yaml's main as the engine hands it over, relative to the program
// directory; "." lets the runner use package.json's main.
func entryPoint(req *pulumirpc.RunRequest) string {
	if e := req.GetInfo().GetEntryPoint(); e != "" {
		return e
	}
	if p := req.GetProgram(); p != "" {
		return p
	}
	return "."
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
