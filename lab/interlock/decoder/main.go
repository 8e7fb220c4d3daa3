// Command interlock-decode reads an Interlock config.toml the way the Interlock core does:
// BurntSushi/toml decoding into typed structs, keys matched to fields case-insensitively, a
// value of another type failing the whole decode. It prints the decoded config as JSON for
// the lab's stand-in core, or the decoder's error on stderr with exit status 1.
//
// It shares no code with the product's TypeScript reader on purpose: it is the independent
// check that catches what that reader lets through.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/BurntSushi/toml"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: interlock-decode CONFIG.toml")
		os.Exit(2)
	}
	var config Config
	if _, err := toml.DecodeFile(os.Args[1], &config); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	if err := out.Encode(config); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
