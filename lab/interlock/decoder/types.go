package main

// The documented Interlock configuration (docker/docs ee/ucp/interlock/config/index.md and
// config/nginx-config.md), one Go type per key. The table in README.md lists the same types.

// Config is the top level of config.toml.
type Config struct {
	ListenAddr       string
	DockerURL        string
	TLSCACert        string
	TLSCert          string
	TLSKey           string
	AllowInsecure    bool
	PollInterval     string
	EndpointOverride string
	Extensions       map[string]ExtensionConfig
}

// ExtensionConfig is one [Extensions.<name>] section: a service cluster.
type ExtensionConfig struct {
	Image                     string
	Args                      []string
	Labels                    map[string]string
	ContainerLabels           map[string]string
	Constraints               []string
	PlacementPreferences      []string
	ServiceName               string
	ServiceCluster            string
	Networks                  []string
	ProxyImage                string
	ProxyArgs                 []string
	ProxyLabels               map[string]string
	ProxyContainerLabels      map[string]string
	ProxyServiceName          string
	ProxyConfigPath           string
	ProxyReplicas             *uint64 // a pointer, so that a missing value is told from 0
	ProxyStopSignal           string
	ProxyStopGracePeriod      string
	ProxyConstraints          []string
	ProxyPlacementPreferences []string
	ProxyUpdateDelay          string
	PublishMode               string
	PublishedPort             int
	PublishedSSLPort          int
	TargetPort                int
	TargetSSLPort             int
	Template                  string
	HitlessServiceUpdate      bool
	ConfigImage               string
	ConfigServiceName         string
	Config                    NginxConfig
}

// NginxConfig is [Extensions.<name>.Config] for the NGINX proxy.
type NginxConfig struct {
	Version                   string
	User                      string
	PidPath                   string
	MaxConnections            int
	ConnectTimeout            int
	SendTimeout               int
	ReadTimeout               int
	IPHash                    bool
	AdminUser                 string
	AdminPass                 string
	SSLOpts                   string
	SSLDefaultDHParam         int
	SSLDefaultDHParamPath     string
	SSLVerify                 string
	WorkerProcesses           int
	RLimitNoFile              int
	SSLCiphers                string
	SSLProtocols              string
	AccessLogPath             string
	ErrorLogPath              string
	MainLogFormat             string
	TraceLogFormat            string
	KeepaliveTimeout          string
	ClientMaxBodySize         string
	ClientBodyBufferSize      string
	ClientHeaderBufferSize    string
	LargeClientHeaderBuffers  string
	ClientBodyTimeout         string
	UnderscoresInHeaders      bool
	HideInfoHeaders           bool
	UpstreamZoneSize          int
	ServerNamesHashBucketSize int
	GlobalOptions             []string
	HTTPOptions               []string
	TCPOptions                []string
	HTTPVersion               string
}
