# Source this file (". scripts/jupyter-env.sh"): it points Jupyter at the
# project-local tslab kernelspec and keeps Jupyter's data, config and runtime
# files inside <project>/.jupyter instead of ~/.local, ~/.jupyter.
_iommu_lab_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
export JUPYTER_PATH="$_iommu_lab_root/.jupyter/share/jupyter"
export JUPYTER_DATA_DIR="$_iommu_lab_root/.jupyter/data"
export JUPYTER_CONFIG_DIR="$_iommu_lab_root/.jupyter/config"
export JUPYTER_RUNTIME_DIR="$_iommu_lab_root/.jupyter/runtime"
unset _iommu_lab_root
# Silences debugpy's "frozen modules" warning that Debian's Python 3.11 prints on every start.
export PYDEVD_DISABLE_FILE_VALIDATION=1
