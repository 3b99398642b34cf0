package main

import (
	"context"
	"fmt"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/stilt-mpi/stilt-mpi/batch"
	"github.com/stilt-mpi/stilt-mpi/k8s"
	"github.com/stilt-mpi/stilt-mpi/registry"
	"github.com/stilt-mpi/stilt-mpi/service"
)

func init() {
	var scene, regURL string
	register := &cobra.Command{
		Use:   "register RUN.toml",
		Short: "register the receptors' simulations as pending in the registry (idempotent; PostgreSQL or SQLite)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := batch.LoadConfig(args[0])
			if err != nil {
				return asExit(err)
			}
			ctx := context.Background()
			store, err := registry.OpenURL(ctx, service.RegistryURL(cfg, regURL))
			if err != nil {
				return err
			}
			defer store.Close()
			rep, err := service.Register(ctx, store, cfg, scene)
			if err != nil {
				return asExit(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "registered %d new simulations (%d already registered, %d duplicates in the receptor file)\n",
				rep.Inserted, len(rep.Existing), len(rep.Duplicates))
			return nil
		},
	}
	register.Flags().StringVar(&scene, "scene", "", "scene id for every simulation (overrides [scenes])")
	register.Flags().StringVar(&regURL, "registry-url", "", "registry URL (default $"+service.EnvRegistryURL+", else [registry] url/path)")
	rootCmd.AddCommand(register)

	for _, follow := range []bool{false, true} {
		var wc service.WorkerConfig
		var regURL string
		use, short := "pull-worker RUN.toml", "claim and run pending simulations from a PostgreSQL registry until none is pending or running"
		if follow {
			use, short = "serve RUN.toml", "long-lived pull worker: wait for new simulations (back-off 1 s..60 s); SIGTERM hands in-flight work back"
		}
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  exactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				cfg, err := batch.LoadConfig(args[0])
				if err != nil {
					return asExit(err)
				}
				if wc.Batch < 1 || wc.Lease <= 0 || wc.MaxAttempts < 1 {
					return badInput(fmt.Errorf("--batch, --lease and --max-attempts must be positive"))
				}
				ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
				defer stop()
				wc.Follow = follow
				wc.RegistryURL = service.RegistryURL(cfg, regURL)
				wc.Version = version
				wc.Log = cmd.ErrOrStderr()
				_, err = service.RunWorker(ctx, cfg, wc)
				return asExit(err)
			},
		}
		f := c.Flags()
		f.StringVar(&regURL, "registry-url", "", "registry URL (default $"+service.EnvRegistryURL+", else [registry] url)")
		f.IntVar(&wc.Batch, "batch", 1, "simulations claimed at a time")
		f.DurationVar(&wc.Lease, "lease", 2*time.Minute, "claim lease, renewed every lease/3 while running")
		f.IntVar(&wc.MaxAttempts, "max-attempts", 3, "claims per simulation before a lost or interrupted one is marked failed")
		f.StringVar(&wc.WorkerID, "worker-id", "", "worker id (default: this worker's run id)")
		f.BoolVar(&wc.Register, "register", false, "register the receptors' simulations first (idempotent)")
		if follow {
			f.DurationVar(&wc.IdleMax, "max-idle", 60*time.Second, "longest wait between polls of an empty queue")
		}
		rootCmd.AddCommand(c)
	}

	var ko k8s.Options
	var withSecret, asJSON, keda bool
	var kedaMax, kedaTarget int
	var kregURL string
	kc := &cobra.Command{
		Use:   "k8s RUN.toml",
		Short: "render a Kubernetes Job (--kind job: pull workers that drain and exit) or Deployment (--kind deployment: serve)",
		Long: `Render a Kubernetes manifest for pull workers sharing the PostgreSQL registry.
Pods read the registry URL from a Secret (--secret, key --secret-key) as STILT_REGISTRY_URL,
use an emptyDir at /scratch as TMPDIR, and run "stilt-mpi pull-worker|serve --config-path".
run.toml, receptors and met must be in the image or on --data-pvc; outputs need that shared
volume too (object-store outputs are not implemented). --with-secret adds the Secret with
the registry URL of run.toml / $STILT_REGISTRY_URL / --registry-url in clear text.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := batch.LoadConfig(args[0])
			if err != nil {
				return asExit(err)
			}
			ko.Project = cfg.Project.Name
			m, err := k8s.Manifest(ko)
			if err != nil {
				return badInput(err)
			}
			docs := []k8s.Map{m}
			if withSecret {
				url := service.RegistryURL(cfg, kregURL)
				if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
					return badInput(fmt.Errorf("--with-secret: registry URL %q is not PostgreSQL: set [registry] url, $%s or --registry-url", url, service.EnvRegistryURL))
				}
				s, err := k8s.Secret(ko, url)
				if err != nil {
					return badInput(err)
				}
				docs = append([]k8s.Map{s}, docs...)
			}
			if keda {
				so, err := k8s.ScaledObject(ko, kedaMax, kedaTarget)
				if err != nil {
					return badInput(err)
				}
				docs = append(docs, so)
			}
			return k8s.Write(cmd.OutOrStdout(), asJSON, docs...)
		},
	}
	kf := kc.Flags()
	kf.StringVar(&ko.Kind, "kind", "job", "job (drain and exit) or deployment (serve)")
	kf.StringVar(&ko.Image, "image", "", "container image with stilt-mpi (required)")
	kf.StringVar(&ko.ConfigPath, "config-path", "/data/run.toml", "absolute path of run.toml inside the pod")
	kf.IntVar(&ko.Workers, "workers", 1, "Job parallelism or Deployment replicas")
	kf.StringVar(&ko.Name, "name", "", "object name (default stilt-<project>)")
	kf.StringVar(&ko.Namespace, "namespace", "", "namespace (default: kubectl's)")
	kf.StringVar(&ko.SecretName, "secret", "stilt-registry", "Secret holding the registry URL")
	kf.StringVar(&ko.SecretKey, "secret-key", "url", "key of the URL in the Secret")
	kf.StringVar(&ko.CPU, "cpu", "1", "CPU request and limit per pod")
	kf.StringVar(&ko.Memory, "memory", "2Gi", "memory request and limit per pod")
	kf.StringVar(&ko.ScratchSize, "scratch-size", "10Gi", "emptyDir scratch size limit (also ephemeral-storage)")
	kf.StringVar(&ko.DataPVC, "data-pvc", "", "PersistentVolumeClaim with config, receptors, met and outputs")
	kf.StringVar(&ko.DataMount, "data-mount", "/data", "mount path of --data-pvc")
	kf.StringVar(&ko.Lease, "lease", "", "worker --lease (default: the worker's, 2m)")
	kf.IntVar(&ko.Batch, "batch", 0, "worker --batch (default: the worker's, 1)")
	kf.IntVar(&ko.MaxAttempts, "max-attempts", 0, "worker --max-attempts (default: the worker's, 3)")
	kf.IntVar(&ko.GraceSeconds, "grace", 120, "terminationGracePeriodSeconds (time to hand work back on SIGTERM)")
	kf.BoolVar(&withSecret, "with-secret", false, "also render the Secret with the registry URL (clear text)")
	kf.StringVar(&kregURL, "registry-url", "", "registry URL for --with-secret")
	kf.BoolVar(&asJSON, "json", false, "JSON instead of YAML")
	kf.BoolVar(&keda, "keda", false, "also render a KEDA ScaledObject scaling the Deployment 0..--keda-max on pending+running simulations")
	kf.IntVar(&kedaMax, "keda-max", 50, "KEDA maximum replicas")
	kf.IntVar(&kedaTarget, "keda-target", 1, "KEDA target simulations (pending or running) per pod")
	rootCmd.AddCommand(kc)
}
