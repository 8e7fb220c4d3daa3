// pulumi-language-nodejs, offline: a small stand-in for Pulumi's Node.js language host, for
// machines where the official one cannot be had (its Go module is not served by the module
// proxy). The engine starts it with its own address as the last argument and reads the port
// it serves on from the first line of stdout. It runs programs with @pulumi/pulumi's own
// runner (node_modules/@pulumi/pulumi/cmd/run), so the program sees what it sees under the
// official host. A regular Pulumi installation ships and uses the official host instead.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is set at build time (scripts/engine.sh) to the CLI version it is built beside.
var version = "0.0.0-dev"

func main() {
	flags := flag.NewFlagSet("pulumi-language-nodejs", flag.ContinueOnError)
	// The engine adds these when it logs or traces; tracing is handed on to the program.
	tracing := flags.String("tracing", "", "trace endpoint, handed to the program")
	flags.Bool("logtostderr", false, "accepted for the engine; the host logs nothing of its own")
	flags.Bool("logflow", false, "accepted for the engine")
	flags.Int("v", 0, "accepted for the engine")
	flags.String("root", "", "accepted for the engine")
	if err := flags.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if flags.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-language-nodejs [flags] <engine address>")
		os.Exit(2)
	}

	host := newHost(flags.Arg(0), *tracing)
	go stopWhenOrphaned(host)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: host.stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

// stopWhenOrphaned stops serving once the engine that started the host is gone (killed, say):
// nothing else would ever call Cancel, and the host would wait forever.
func stopWhenOrphaned(h *host) {
	parent := os.Getppid()
	for range time.Tick(time.Second) {
		if os.Getppid() != parent {
			h.shutdown()
			return
		}
	}
}
